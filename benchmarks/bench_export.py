"""ONNX export: file sizes, latency and int8 agreement on real speech (shared RAVDESS).

Builds the paper's pipeline (Trimmer, PreEmphasis, PeakNormalizer, FixedDuration 8 s,
DistilHuBERT, FocalLossClassifier) with the exact DistilHuBERT architecture and random
weights (no weights can be downloaded here: the int8 agreement is therefore indicative),
trains the head on the RAVDESS clips, exports fp32 / int8 dynamic / int8 static, and
prints, side by side in one run:

- file sizes (target: whole int8 pipeline 24 MB or less);
- latency per 8 s clip of speech with 2 threads, medians of repeats: torch fp32 (the
  fitted sklearn pipeline), ONNX Runtime fp32, int8 dynamic, int8 static (the default:
  onnxruntime's pre-processing, then QDQ, per-channel weights, first convolution float),
  and two static levers beside it: QOperator format, and no pre-processing; the ratio
  int8 / torch fp32 (target: 80 ms or less, 0.25 or less);
- top-1 agreement of every int8 variant vs fp32 (target 99% or more) and fp32 parity, on
  the clips of every actor but the one whose clips calibrate int8-static;
- the same sizes and latency for the default weight-free pipeline (``make_ser_pipeline()``
  after its loader: three speed views) and for it with one speed (``speeds=()``);
  ``--weight-free-only`` runs this part alone;
- every base-size self-supervised encoder (``--architectures``: wav2vec2, HuBERT, WavLM,
  data2vec-audio, the Whisper encoder; exact published architectures, random weights)
  as ``SSLEmbedder(layer="mean")`` in the same pipeline, its head trained on
  ``--ssl-clips`` clips: size, latency per 8 s clip in torch fp32, ORT fp32 and ORT int8
  (static), and int8 top-1 agreement with fp32 on the other clips (indicative: random
  encoder weights). Beside them, in the same run, the int8/fp32 kernel speed-up this CPU
  allows (``bench_int8_rate.py``'s two layers); the goal: each encoder's int8 speed-up
  over ORT fp32 within 20 % of the smaller of the two.

Usage: python benchmarks/bench_export.py [--data ../shared/data] [--repeats 7]
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import DEFAULT_DATA, continuous_speech, median_seconds, write_record


def _median_ms(function, repeats):
    return 1000 * median_seconds(function, repeats)


def _pipeline(embedder):
    from sklearn.pipeline import make_pipeline

    from skser.classification import FocalLossClassifier
    from skser.preprocessing import FixedDuration, PeakNormalizer, PreEmphasis, Trimmer

    return make_pipeline(Trimmer(), PreEmphasis(), PeakNormalizer(), FixedDuration(duration=8.0),
                         embedder, FocalLossClassifier(random_state=0))


def _sessions(model_paths, threads):
    import onnxruntime as ort

    sessions = {}
    for name, path in model_paths.items():
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        sessions[name] = ort.InferenceSession(str(path), options,
                                              providers=["CPUExecutionProvider"])
    return sessions


def _latency_table(pipe, model_paths, clip, repeats, threads):
    import torch

    torch.set_num_threads(threads)
    rows = {"torch fp32": _median_ms(lambda: pipe.predict_proba(clip), repeats)}
    for name, session in _sessions(model_paths, threads).items():
        rows[f"ORT {name}"] = _median_ms(
            lambda s=session: s.run(None, {"waveforms": clip}), repeats
        )
    return rows


def _static_variants(fp32_path, calibration, folder):
    """The static int8 levers side by side: the default is QDQ after pre-processing."""
    import onnx

    from skser.export import quantize_onnx

    fp32 = onnx.load(fp32_path)
    variants = {
        "int8 QOperator": dict(quant_format="qoperator"),
        "int8 no preproc": dict(preprocess=False),
    }
    paths = {}
    for name, options in variants.items():
        model, _ = quantize_onnx(fp32, "int8-static", calibration=calibration, **options)
        onnx.helper.set_model_props(model, {
            **{prop.key: prop.value for prop in fp32.metadata_props},
            "skser.quantization": f"int8-static {options}",
        })
        paths[name] = folder / f"{name.replace(' ', '-')}.onnx"
        onnx.save(model, paths[name])
    return paths


def _print_sizes(model_paths):
    for name, path in model_paths.items():
        print(f"  {name:14s} {os.path.getsize(path) / 1e6:8.1f} MB")


def _print_latency(rows, reference="torch fp32"):
    for name, ms in rows.items():
        print(f"  {name:18s} {ms:8.1f} ms   ratio to {reference}: {ms / rows[reference]:.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--calibration-clips", type=int, default=32)
    parser.add_argument("--weight-free-only", action="store_true",
                        help="skip the DistilHuBERT pipeline and the SSL encoders")
    parser.add_argument("--ssl-only", action="store_true",
                        help="time the SSL encoders alone (no DistilHuBERT, no weight-free)")
    parser.add_argument("--architectures", nargs="*", default=list(SSL_ARCHITECTURES),
                        choices=list(SSL_ARCHITECTURES),
                        help="the base-size SSL encoders to time (none: skip them)")
    parser.add_argument("--ssl-clips", type=int, default=64,
                        help="clips the SSL pipelines' heads are trained on")
    args = parser.parse_args()
    if not (args.data / "ravdess").is_dir():
        sys.exit(f"shared RAVDESS not found under {args.data}: pass --data")

    from skser.datasets import load_ravdess
    from skser.io import AudioLoader

    data = load_ravdess(args.data / "ravdess")
    X = AudioLoader(n_jobs=2).transform(data.filenames)
    y = data.target
    clip = continuous_speech(X[:12], 1)
    # One actor's clips calibrate int8-static; agreement is scored on the other actors' clips.
    calibrating = np.asarray(data.groups) == np.unique(data.groups)[-1]
    pool = X[calibrating]
    calibration = pool[np.linspace(0, len(pool) - 1, args.calibration_clips).astype(int)]
    scored = X[~calibrating]
    print(f"{len(X)} RAVDESS clips (emotion4); latency on one 8.0 s clip of continuous speech, "
          f"{args.threads} threads, median of {args.repeats}\n")

    figures = {}
    with tempfile.TemporaryDirectory() as folder:
        if not (args.weight_free_only or args.ssl_only):
            figures["DistilHuBERT pipeline (random weights)"] = _bench_distilhubert(
                args, X, y, clip, calibration, scored, Path(folder))
        if not args.ssl_only:
            figures["weight-free pipelines"] = _bench_weight_free(args, X, y, clip,
                                                                   Path(folder))
        if args.architectures and not args.weight_free_only:
            figures["SSL encoders, base size (random weights)"] = _bench_ssl(
                args, X, y, clip, calibration, scored, Path(folder))
    write_record(__file__, figures, threads=args.threads,
                 name="bench_export-ssl" if args.ssl_only else None,
                 notes="Latency per 8 s clip of continuous speech; DistilHuBERT has random "
                       "weights, so its timings are real and its agreements indicative only.")


SSL_ARCHITECTURES = ("wav2vec2", "hubert", "wavlm", "data2vec-audio", "whisper")


def _bench_ssl(args, X, y, clip, calibration, scored, folder):
    """Each base-size encoder in the paper's pipeline: size, latency, int8 agreement."""
    import torch
    import transformers
    from bench_int8_rate import kernel_times

    from skser.embedding import SSLEmbedder, ssl_config
    from skser.export import OnnxPipeline, to_onnx

    kernels = kernel_times(args.threads, args.repeats)
    allowed = min(times["fp32"] / times["int8"] for _, _, times in kernels)
    print(f"\nBase-size SSL encoders (random weights), SSLEmbedder(layer='mean'); int8 "
          f"kernel speed-up this CPU allows (bench_int8_rate.py, this run): {allowed:.2f}x")
    print(f"  {'encoder':15s} {'params':>7s} {'fp32 MB':>8s} {'int8 MB':>8s} {'torch ms':>9s} "
          f"{'ORT fp32':>9s} {'ORT int8':>9s} {'int8 x':>7s} {'of CPU':>7s} {'agree %':>8s}")
    rng = np.random.default_rng(0)
    train = rng.choice(len(X), size=min(args.ssl_clips, len(X)), replace=False)
    scored = scored[: 4 * args.ssl_clips]
    rows = []
    for architecture in args.architectures:
        config = ssl_config(f"{architecture}-base")
        torch.manual_seed(0)
        encoder = (transformers.WhisperModel(config) if architecture == "whisper"
                   else transformers.AutoModel.from_config(config))
        n_params = sum(p.numel() for p in (encoder.get_encoder() if architecture == "whisper"
                                           else encoder).parameters())
        encoder.save_pretrained(folder / architecture)
        pipe = _pipeline(SSLEmbedder(model=folder / architecture, layer="mean"))
        pipe.fit(X[train], y[train])
        paths = {"fp32": folder / f"{architecture}-fp32.onnx",
                 "int8": folder / f"{architecture}-int8.onnx"}
        to_onnx(pipe, path=paths["fp32"])
        to_onnx(pipe, quantize="int8-static", calibration=calibration, path=paths["int8"])
        latency = _latency_table(pipe, paths, clip, args.repeats, args.threads)
        fp32 = OnnxPipeline(paths["fp32"], n_threads=args.threads).predict_proba(scored)
        int8 = OnnxPipeline(paths["int8"], n_threads=args.threads).predict_proba(scored)
        agree = 100 * (int8.argmax(1) == fp32.argmax(1)).mean()
        speedup = latency["ORT fp32"] / latency["ORT int8"]
        row = {"encoder": architecture, "parameters (M)": round(n_params / 1e6, 1),
               "fp32 MB": round(os.path.getsize(paths["fp32"]) / 1e6, 1),
               "int8 MB": round(os.path.getsize(paths["int8"]) / 1e6, 1),
               "torch fp32 ms": round(latency["torch fp32"], 1),
               "ORT fp32 ms": round(latency["ORT fp32"], 1),
               "ORT int8 ms": round(latency["ORT int8"], 1),
               "int8 speed-up": round(speedup, 2),
               "share of the CPU's int8 speed-up": round(speedup / allowed, 2),
               "int8 top-1 agreement %": round(agree, 1)}
        rows.append(row)
        print(f"  {architecture:15s} {row['parameters (M)']:7.1f} {row['fp32 MB']:8.1f} "
              f"{row['int8 MB']:8.1f} {row['torch fp32 ms']:9.1f} {row['ORT fp32 ms']:9.1f} "
              f"{row['ORT int8 ms']:9.1f} {speedup:7.2f} "
              f"{speedup / allowed:7.2f} {agree:8.1f}", flush=True)
    print(f"  goal: int8 speed-up at least 0.80 of the CPU's ({0.8 * allowed:.2f}x); int8 "
          f"agreement indicative (random encoder weights, head on {len(train)} clips, "
          f"scored on {len(scored)})")
    return {"CPU int8 kernel speed-up": round(allowed, 2), "encoders": rows}


def _bench_distilhubert(args, X, y, clip, calibration, scored, folder):
    import torch
    from transformers import HubertModel

    from skser.embedding import DistilHuBERTEmbedder, distilhubert_config
    from skser.export import OnnxPipeline, to_onnx

    torch.manual_seed(0)
    HubertModel(distilhubert_config()).save_pretrained(folder / "encoder")
    start = time.perf_counter()
    pipe = _pipeline(DistilHuBERTEmbedder(model=folder / "encoder")).fit(X, y)
    print(f"DistilHuBERT pipeline (random-init encoder, head trained on the clips; "
          f"fit {time.perf_counter() - start:.0f} s)")
    paths = {
        "fp32": folder / "fp32.onnx",
        "int8 dynamic": folder / "int8-dynamic.onnx",
        "int8 static": folder / "int8-static.onnx",
    }
    to_onnx(pipe, path=paths["fp32"])
    to_onnx(pipe, quantize="int8-dynamic", path=paths["int8 dynamic"])
    to_onnx(pipe, quantize="int8-static", calibration=calibration,
            path=paths["int8 static"])
    paths.update(_static_variants(paths["fp32"], calibration, folder))
    print("File sizes:")
    _print_sizes(paths)
    print("Latency per 8 s clip:")
    latency = _latency_table(pipe, paths, clip, args.repeats, args.threads)
    _print_latency(latency)
    rows = [{"model": name, "ms per 8 s clip": round(ms, 1),
             "ratio to torch fp32": round(ms / latency["torch fp32"], 2),
             "MB": (round(os.path.getsize(paths[name.removeprefix("ORT ")]) / 1e6, 1)
                    if name.removeprefix("ORT ") in paths else None)}
            for name, ms in latency.items()]

    reference = pipe.predict_proba(scored)
    fp32 = OnnxPipeline(paths["fp32"], n_threads=args.threads).predict_proba(scored)
    print(f"Agreement on the {len(scored)} clips not used for calibration:")
    print(f"  fp32 ONNX vs sklearn: max |dp| {np.abs(fp32 - reference).max():.2e}")
    agreement = {"clips scored": len(scored),
                 "fp32 ONNX vs sklearn, max |dp|": float(f"{np.abs(fp32 - reference).max():.2e}")}
    for name in [name for name in paths if name.startswith("int8")]:
        proba = OnnxPipeline(paths[name], n_threads=args.threads).predict_proba(scored)
        agree = (proba.argmax(1) == fp32.argmax(1)).mean()
        print(f"  {name} vs fp32: top-1 agreement {100 * agree:.1f}% "
              f"(target >= 99%), max |dp| {np.abs(proba - fp32).max():.3f}")
        agreement[f"{name} vs fp32, top-1 agreement % (target >= 99)"] = round(100 * agree, 1)
    return {"latency and size": rows, "agreement": agreement}


def _bench_weight_free(args, X, y, clip, folder):
    from skser.export import OnnxPipeline, to_onnx
    from skser.pipeline import make_ser_pipeline

    rows = []
    for speeds, title in [("auto", "Default weight-free pipeline (make_ser_pipeline(): "
                                   "speeds 0.9 and 1.1, three views)"),
                          ((), "One speed (make_ser_pipeline(speeds=()))")]:
        # The default pipeline after its AudioLoader: these clips are already arrays.
        pipe = make_ser_pipeline(speeds=speeds, random_state=0)[1:].fit(X, y)
        paths = {"fp32": folder / "acoustic.onnx"}
        to_onnx(pipe, path=paths["fp32"])
        print(f"\n{title}")
        _print_sizes(paths)
        latency = _latency_table(pipe, paths, clip, args.repeats, args.threads)
        _print_latency(latency)
        fp32 = OnnxPipeline(paths["fp32"]).predict_proba(X)
        gap = np.abs(fp32 - pipe.predict_proba(X)).max()
        print(f"  fp32 ONNX vs sklearn: max |dp| {gap:.2e}")
        rows.append({"pipeline": title, **{f"{name} (ms)": round(ms, 1)
                                           for name, ms in latency.items()},
                     "MB": round(os.path.getsize(paths["fp32"]) / 1e6, 1),
                     "max |dp|": float(f"{gap:.2e}")})
    return rows


if __name__ == "__main__":
    main()
