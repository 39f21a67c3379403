"""Distillation: a Wav2Small student of the weight-free pipeline, on speakers neither saw.

Leave-speakers-out on shared RAVDESS (emotion4), side by side in one run:

- the **teacher** is the default weight-free pipeline (``make_ser_pipeline()``) trained
  on the labelled clips of actors 01-07, its early stopping validated on actor 08;
- the **student** (``Wav2SmallClassifier``, default architecture) is distilled with
  ``distill()`` on *unlabeled* audio: every RAVDESS clip of actors 01-07 (all eight
  emotions, labels unused) plus all of EmoDB, ``--views`` views per clip (random crops of
  ``--crop`` seconds, augmented after the first), early stopping on top-1 agreement with
  the teacher on every clip of actor 08 (all eight emotions: agreement needs no labels);
- a second student is distilled the same way with the teacher's **hard labels mixed in**
  (``hard_label_weight=0.5``) on the clips the teacher was trained on (``--skip-mixed``
  skips it);
- the **hard-label baseline** is the same architecture fitted on the teacher's labelled
  training clips (actors 01-07, emotion4), early stopping on UA of actor 08;
- everything is scored on actors 09-12 (emotion4), whom no model saw.

It prints parameters, multiply-accumulates per 8 s clip, fp32 and int8 ONNX bytes,
latency per 8 s clip of speech on one thread (ONNX Runtime; student fp32 and int8, the
weight-free teacher's whole pipeline, an int8 DistilHuBERT pipeline with random weights,
for timing only), agreement with the teacher and UA. Goals: student UA within 10 points
of the teacher's (fp32 and int8), under 75K parameters, at most 15 ms per 8 s clip, int8
under 250 KB.

Usage: python benchmarks/bench_distillation.py [--data ../shared/data] [--epochs 10]
       [--views 2] [--crop 2.0] [--patience 10] [--repeats 7] [--skip-hubert] [--verbose]
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import DEFAULT_DATA, continuous_speech, run_seconds, write_record

TRAIN_ACTORS = [f"ravdess:{a:02d}" for a in range(1, 8)]
VALIDATION_ACTOR = "ravdess:08"
TEST_ACTORS = [f"ravdess:{a:02d}" for a in range(9, 13)]
CLIP_SECONDS = 8.0


def _load(data):
    from skser.datasets import load_emodb, load_ravdess
    from skser.io import AudioLoader

    loader = AudioLoader(n_jobs=2)
    labelled = load_ravdess(data / "ravdess")
    unlabeled = load_ravdess(data / "ravdess", labels="all")
    emodb = load_emodb(data / "emodb", labels="all")
    known = dict(zip(labelled.filenames, labelled.target))
    return (
        loader.transform(labelled.filenames), np.asarray(labelled.target),
        np.asarray(labelled.groups),
        loader.transform(unlabeled.filenames), np.asarray(unlabeled.groups),
        np.array([known.get(name) for name in unlabeled.filenames], dtype=object),
        loader.transform(emodb.filenames),
    )


def _ua(y_true, y_pred):
    from skser.metrics import unweighted_accuracy

    return 100 * unweighted_accuracy(y_true, y_pred)


def _session(path):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _latency_ms(path, clip, repeats):
    """Median and fastest milliseconds of one run on ``clip``."""
    session = _session(path)
    name = session.get_inputs()[0].name
    times = run_seconds(lambda: session.run(None, {name: clip}), repeats)
    return 1000 * float(np.median(times)), 1000 * min(times)


def student_macs(student, seconds=CLIP_SECONDS):
    """Multiply-accumulates of a Wav2Small student on one clip: STFT, mel, convolutions."""
    frames = 1 + (round(seconds * 16000) - student.n_fft) // student.hop_length
    bins = student.n_fft // 2 + 1
    macs = {"STFT": frames * 2 * bins * student.n_fft, "mel": frames * bins * student.n_mels}
    time_pool, mel_pool = student.pool_size
    width, bands, conv = frames, student.n_mels, 0
    channels = [1] + [student.n_channels] * student.n_layers
    for index in range(student.n_layers):
        if index == student.pool_after:
            width, bands = width // time_pool, bands // mel_pool
        conv += width * bands * channels[index] * channels[index + 1] * 9
    macs["convolutions"] = conv
    return macs


def _hubert_int8(folder, X, calibration):
    """An int8 DistilHuBERT pipeline (random weights, for timing), exported to ONNX."""
    import torch
    from sklearn.pipeline import make_pipeline
    from transformers import HubertModel

    from skser.classification import FocalLossClassifier
    from skser.embedding import DistilHuBERTEmbedder, distilhubert_config
    from skser.export import to_onnx
    from skser.preprocessing import FixedDuration, PeakNormalizer, PreEmphasis, Trimmer

    torch.manual_seed(0)
    HubertModel(distilhubert_config()).save_pretrained(folder / "encoder")
    X, y = X
    pipe = make_pipeline(Trimmer(), PreEmphasis(), PeakNormalizer(), FixedDuration(duration=8.0),
                         DistilHuBERTEmbedder(model=folder / "encoder"),
                         FocalLossClassifier(random_state=0, max_iter=5)).fit(X, y)
    path = folder / "hubert-int8.onnx"
    to_onnx(pipe, quantize="int8", calibration=calibration, path=path)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--views", type=int, default=2)
    parser.add_argument("--crop", type=float, default=2.0, help="training crops, seconds")
    parser.add_argument("--patience", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--skip-hubert", action="store_true")
    parser.add_argument("--skip-mixed", action="store_true",
                        help="no student distilled with the teacher's hard labels mixed in")
    parser.add_argument("--verbose", action="store_true", help="progress bars on stderr")
    args = parser.parse_args()
    if not (args.data / "ravdess").is_dir() or not (args.data / "emodb").is_dir():
        sys.exit(f"shared RAVDESS and EmoDB not found under {args.data}: pass --data")

    from skser.distillation import Wav2SmallClassifier, distill
    from skser.export import OnnxPipeline, to_onnx
    from skser.model_selection import fit_with_validation
    from skser.pipeline import make_ser_pipeline

    started = time.perf_counter()
    X, y, actors, X_all, actors_all, y_all, X_emodb = _load(args.data)
    train, val, test = (np.isin(actors, TRAIN_ACTORS), actors == VALIDATION_ACTOR,
                        np.isin(actors, TEST_ACTORS))
    unlabeled = X_all[np.isin(actors_all, TRAIN_ACTORS)]
    # The teacher's own labels where it had them (emotion4 of actors 01-07), else None.
    y_mixed = [*y_all[np.isin(actors_all, TRAIN_ACTORS)], *[None] * len(X_emodb)]
    from skser.io import as_batch

    X_unlabeled = as_batch([*unlabeled, *X_emodb])
    X_agreement = X_all[actors_all == VALIDATION_ACTOR]
    print(f"RAVDESS emotion4: teacher trains on actors 01-07 ({train.sum()} clips), "
          f"validates on 08 ({val.sum()}), all models tested on 09-12 ({test.sum()})")
    print(f"unlabeled for the student: {len(unlabeled)} RAVDESS clips of actors 01-07 (all "
          f"emotions) + {len(X_emodb)} EmoDB clips; {args.views} views each, "
          f"{args.crop} s crops, up to {args.epochs} epochs (patience {args.patience}); "
          f"early stopping on agreement over the {len(X_agreement)} clips of actor 08")

    tick = time.perf_counter()
    teacher = make_ser_pipeline(random_state=0)
    fit_with_validation(teacher, X[train], y[train], X_val=X[val], y_val=y[val])
    print(f"teacher fitted in {time.perf_counter() - tick:.0f} s")

    student_params = dict(max_iter=args.epochs, crop_duration=args.crop,
                          n_iter_no_change=args.patience, random_state=0,
                          verbose=args.verbose)
    tick = time.perf_counter()
    student = distill(teacher, X_unlabeled, student=Wav2SmallClassifier(**student_params),
                      n_views=args.views, X_val=X_agreement, random_state=0,
                      verbose=args.verbose)
    print(f"student distilled in {time.perf_counter() - tick:.0f} s ({student.n_views_} views, "
          f"{student.n_iter_} epochs, best {student.best_epoch_}; agreement on actor 08 per "
          f"epoch: {', '.join(f'{100 * s:.0f}' for s in student.validation_scores_)})")
    mixed = None
    if not args.skip_mixed:
        tick = time.perf_counter()
        mixed = distill(teacher, X_unlabeled, student=Wav2SmallClassifier(**student_params),
                        y=y_mixed, hard_label_weight=0.5, n_views=args.views,
                        X_val=X_agreement, random_state=0, verbose=args.verbose)
        print(f"student with hard labels (weight 0.5 on the "
              f"{sum(label is not None for label in y_mixed)} labelled clips) distilled in "
              f"{time.perf_counter() - tick:.0f} s ({mixed.n_iter_} epochs, best "
              f"{mixed.best_epoch_})")
    tick = time.perf_counter()
    hard = Wav2SmallClassifier(**student_params).fit(X[train], y[train], X_val=X[val],
                                                    y_val=y[val])
    print(f"hard-label baseline fitted in {time.perf_counter() - tick:.0f} s "
          f"({hard.n_iter_} epochs, best {hard.best_epoch_})")

    X_test, y_test = X[test], y[test]
    calibration = X_unlabeled[np.linspace(0, len(X_unlabeled) - 1, 32).astype(int)]
    clip = continuous_speech(X[:12], 1)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        paths = {"student fp32": folder / "student.onnx",
                 "student int8": folder / "student-int8.onnx",
                 "teacher fp32": folder / "teacher.onnx"}
        to_onnx(student, path=paths["student fp32"])
        to_onnx(student, quantize="int8", calibration=calibration, path=paths["student int8"])
        to_onnx(teacher, path=paths["teacher fp32"])
        teacher_labels = teacher.predict(X_test)
        predictions = {
            "teacher (weight-free pipeline)": teacher_labels,
            "student, torch": student.predict(X_test),
            "student, ONNX fp32": OnnxPipeline(paths["student fp32"]).predict(X_test),
            "student, ONNX int8": OnnxPipeline(paths["student int8"]).predict(X_test),
            "same network, hard labels only": hard.predict(X_test),
        }
        if mixed is not None:
            predictions["student + hard labels, torch"] = mixed.predict(X_test)
        parity = np.abs(OnnxPipeline(paths["student fp32"]).predict_proba(X_test)
                        - student.predict_proba(X_test)).max()
        latency = {name: _latency_ms(path, clip, args.repeats) for name, path in paths.items()}
        if not args.skip_hubert:
            tick = time.perf_counter()
            hubert = _hubert_int8(folder, (X[train][:16], y[train][:16]), calibration[:8])
            latency["DistilHuBERT int8 (random weights)"] = _latency_ms(
                hubert, clip, max(3, args.repeats // 2))
            print(f"DistilHuBERT int8 pipeline built in {time.perf_counter() - tick:.0f} s")
        sizes = {name: os.path.getsize(path) for name, path in paths.items()}

    print(f"\nstudent: {student.n_parameters_:,} parameters (goal < 75,000); "
          f"fp32 ONNX {sizes['student fp32']:,} bytes, int8 {sizes['student int8']:,} bytes "
          f"(goal < 250 KB); teacher ONNX {sizes['teacher fp32']:,} bytes")
    int8_agreement = 100 * np.mean(predictions["student, ONNX int8"]
                                   == predictions["student, ONNX fp32"])
    macs = student_macs(student)
    print(f"student multiply-accumulates per {CLIP_SECONDS:.0f} s clip: "
          f"{sum(macs.values()) / 1e6:.1f}M ("
          + ", ".join(f"{name} {value / 1e6:.1f}M" for name, value in macs.items()) + ")")
    print(f"student fp32 ONNX vs torch: max |dp| {parity:.1e}; int8 vs fp32 top-1 agreement "
          f"{int8_agreement:.1f}%")
    print(f"\nLatency per 8 s clip, one thread, ONNX Runtime, median and fastest of "
          f"{args.repeats} runs (DistilHuBERT {max(3, args.repeats // 2)}):")
    for name, (median, fastest) in latency.items():
        print(f"  {name:36s} {median:8.1f} ms  (fastest {fastest:.1f} ms)")
    print(f"\nActors 09-12 ({len(y_test)} clips, unseen by every model):")
    print(f"  {'model':36s} {'UA %':>6s} {'agreement with teacher %':>26s}")
    for name, labels in predictions.items():
        agreement = 100 * np.mean(labels == teacher_labels)
        print(f"  {name:36s} {_ua(y_test, labels):6.1f} {agreement:26.1f}")
    teacher_ua = _ua(y_test, teacher_labels)
    for name in ("student, ONNX fp32", "student, ONNX int8"):
        gap = teacher_ua - _ua(y_test, predictions[name])
        print(f"  UA gap teacher - {name}: {gap:.1f} points (goal <= 10)")
    print(f"\ntotal {time.perf_counter() - started:.0f} s")
    write_record(__file__, {
        "student": {"parameters (goal < 75,000)": student.n_parameters_,
                    "fp32 ONNX bytes": sizes["student fp32"],
                    "int8 ONNX bytes (goal < 250 KB)": sizes["student int8"],
                    "teacher ONNX bytes": sizes["teacher fp32"],
                    f"multiply-accumulates per {CLIP_SECONDS:.0f} s clip (M)":
                        round(sum(macs.values()) / 1e6, 1),
                    **{f"  of which {name} (M)": round(value / 1e6, 1)
                       for name, value in macs.items()},
                    "fp32 ONNX vs torch, max |dp|": float(f"{parity:.1e}"),
                    "int8 vs fp32 top-1 agreement %": round(float(int8_agreement), 1)},
        "latency per 8 s clip, one thread (ms)": [
            {"model": name, "median": round(median, 1), "fastest": round(fastest, 1)}
            for name, (median, fastest) in latency.items()],
        "actors 09-12, unseen by every model": [
            {"model": name, "UA %": round(_ua(y_test, labels), 1),
             "agreement with teacher %": round(100 * float(np.mean(labels == teacher_labels)), 1)}
            for name, labels in predictions.items()],
        "UA gap to the teacher, points (goal <= 10)": {
            name: round(teacher_ua - _ua(y_test, predictions[name]), 1)
            for name in ("student, ONNX fp32", "student, ONNX int8")},
    }, threads=1)


if __name__ == "__main__":
    main()
