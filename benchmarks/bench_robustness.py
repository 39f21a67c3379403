"""Robustness to recording conditions: leave-one-speaker-out UA on RAVDESS, clean vs degraded.

Data: the shared RAVDESS (actors 01-12), emotion4 labels (ang, hap, neu, sad). Each fold
tests on one actor, validates (early stopping) on the next and trains on the other ten,
on clean clips, as ``evaluate_sessions(..., validation="next")`` does. The fitted pipeline
then predicts the test actor's clips under each condition of ``_conditions.conditions()``:

- white noise and babble at 30, 20, 10 and 5 dB SNR against the clip's active speech; the
  babble is 6 EmoDB talkers summed (another corpus: no RAVDESS speaker's speech);
- a white noise floor at -60 dBFS (absolute, as a phone's or a cheap microphone's hiss);
- the telephone band alone (300-3400 Hz, 4th-order Butterworth); a telephone line
  (8 kHz, that band, G.711 mu-law: ``skser.preprocessing.telephone``); GSM 6.10 at 8 kHz
  (libsndfile's encoder); an 8 kHz file (16-bit PCM) read as skser reads any file;
- an MP3 round trip through libsndfile (when it has the encoder; Opus too with ``--opus``);
- gain -20 dB; synthetic rooms (exponentially decaying noise) of RT60 0.3, 0.6 and 0.9 s.

Degradations are applied to the clips as recorded, before the pipeline (the Trimmer,
pre-emphasis and peak normalization then see the noise, as they would in use).

Training variants (``make_ser_pipeline(...)``, all else default):

- ``none``: no augmentation (the default pipeline: four views of each clip, as given, at
  speeds 0.9 and 1.1, and through a telephone line);
- ``studio``: the default without its telephone view (``channels=()``: the default before
  it was added);
- ``one-speed``: no augmentation, ``speeds=()`` (each clip embedded once);
- ``paper``: ``augment="paper"``, the paper's WaveformAugmenter after the peak
  normalizer;
- ``noise``: ``augment="noise"``, the noise-aware augmenter before the Trimmer (white
  noise or babble of other training clips at 5-40 dB SNR, pitch shift, polarity).
- ``copies``: the default pipeline, trained on each training clip and two noisy copies
  of it (``NoisyCopies(n_copies=2)``: white noise or babble of other training clips at
  10-40 dB SNR, or a -70..-50 dBFS floor), drawn per fold from that fold's training
  clips; the validation clips joined by two copies each, drawn from the validation
  speaker's clips (``fit_with_validation(..., validation_sampler=)``: early stopping and
  the temperature see the conditions the head trains for, as ``skser train`` does); test
  clips as above.

- ``channels``: as ``copies``, with channels among the copies' kinds (multi-condition
  training): ``NoisyCopies(n_copies=2, kinds=(white, babble, floor, telephone, room),
  snr_db=(0, 30))``: a telephone line (8 kHz, 300-3400 Hz, G.711 mu-law) or a room of
  RT60 0.2-1.0 s, or noise at 0-30 dB SNR (``skser train``'s ``--noisy-copies auto``).
- ``channels+gsm``: as ``channels`` with a sixth kind, ``gsm``: the telephone band
  through GSM 06.10 (libsndfile's codec, the GSM condition's own: a measure of what
  training on the codec one meets buys, and what it costs the other conditions).

- ``both-spectra``: the default pipeline with ``AcousticEmbedder(denoise="both")``: the
  features of the cleaned spectra and of the spectra as recorded (see
  ``bench_default_search.py``'s ``+ raw spectra``);

- ``adapted``: the default pipeline, speaker-adapted (``make_speaker_adapted``: a
  ``SpeakerNormalizer`` before the head, fitted on the training speakers' own statistics).
  It is tested two ways, both on the same fitted models:

  - ``adapted, own clips``: each test clip is standardised by the statistics of the test
    speaker's own clips *under the same condition* (transductive and unlabeled, as
    ``evaluate_sessions(..., adapt="speaker")`` does; in use: a speaker enrolled on the
    microphone they are recorded with);
  - ``adapted, enrolled clean``: by statistics enrolled from the test speaker's clean
    clips (``enroll_speaker``), then used on the degraded ones (the microphone changed
    after enrollment).

Prints, per variant, UA (mean over the 12 folds) per condition, its difference from clean,
the expected calibration error of the probabilities (ECE, 10 bins, all clips pooled; goal
0.05 or less) and the share of each predicted class (the true shares are ang 28.6, hap
28.6, neu 14.3, sad 28.6 %). The goals: at 20 dB SNR and under the noise floor, and
through a telephone line and a room of RT60 0.6 s, UA within 5 points of clean; at 10 dB
SNR (white, babble) within 15 points; no class taking over (none above 45 % of
predictions) in any condition.

Usage: python benchmarks/bench_robustness.py [--data ../shared/data] [--variants ...]
       [--seed 0]
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import DEFAULT_DATA, write_record
from _conditions import conditions, make_babble

LABELS = ["ang", "hap", "neu", "sad"]
# Training variants: make_ser_pipeline's arguments (all else default).
VARIANTS = {
    "none": {"augment": False},
    "one-speed": {"augment": False, "speeds": ()},
    "paper": {"augment": "paper"},
    "noise": {"augment": "noise"},
    "copies": {"augment": False},
    "channels": {"augment": False},
    "channels+gsm": {"augment": False},
    "both-spectra": {"augment": False},
    "adapted": {"augment": False},
    "studio": {"augment": False, "channels": ()},
}
# Variants with other embedder settings: the pipeline's set_params.
EMBEDDER = {"both-spectra": {"acousticembedder__denoise": "both"}}
# Variants trained on resampled rows: NoisyCopies' arguments.
CHANNEL_COPIES = {"n_copies": 2, "kinds": ("white", "babble", "floor", "telephone", "room"),
                  "snr_db": (0.0, 30.0)}
SAMPLED = {"copies": {"n_copies": 2}, "channels": CHANNEL_COPIES,
           "channels+gsm": {**CHANNEL_COPIES, "kinds": ("white", "babble", "floor",
                                                         "telephone", "gsm", "room")}}
# Variants whose pipeline is speaker-adapted, and the tables they print.
ADAPTED = {"adapted": ("adapted, own clips", "adapted, enrolled clean")}


def degraded_sets(X, babble, opus, seed=1):
    """Condition name -> the degraded clips (a list of 1-D arrays), and seconds to make."""
    from skser.io import clip_lengths

    sets = {}
    for name, degrade in conditions(opus=opus).items():
        start = time.perf_counter()
        rng = np.random.default_rng(seed)
        sets[name] = [degrade(row[:length], rng, babble) for row, length in
                      zip(X, clip_lengths(X))]
        sets[name] = (sets[name], time.perf_counter() - start)
    return sets


def loso_under_conditions(pipe, X, y, groups, sets, sampler=None):
    """Per condition, the probabilities (columns: ``LABELS``) of leave-one-speaker-out models
    trained on clean clips (and, with ``sampler``, the noisy copies it adds to each fold's
    training and validation clips)."""
    from sklearn.base import clone

    from skser.io import as_batch
    from skser.model_selection import fit_with_validation

    speakers = np.unique(groups)
    probabilities = {name: np.empty((len(y), len(LABELS))) for name in sets}
    for index, speaker in enumerate(speakers):
        following = speakers[(index + 1) % len(speakers)]
        train = (groups != speaker) & (groups != following)
        model = fit_with_validation(clone(pipe), X[train], y[train],
                                    X_val=X[groups == following], y_val=y[groups == following],
                                    sampler=sampler, validation_sampler=sampler)
        test = np.flatnonzero(groups == speaker)
        assert list(model.classes_) == LABELS, model.classes_
        for name, (clips, _) in sets.items():
            probabilities[name][test] = model.predict_proba(as_batch([clips[i] for i in test]))
    return probabilities


def adapted_loso_under_conditions(pipe, X, y, groups, sets):
    """The same folds with ``pipe`` speaker-adapted: probabilities by own clips and by clean
    enrollment.

    Returns two dicts, condition -> probabilities: the test speaker standardised by their own
    clips under that condition, and by statistics enrolled from their clean clips.
    """
    from sklearn import config_context
    from sklearn.base import clone

    from skser.io import as_batch
    from skser.model_selection import fit_with_validation
    from skser.preprocessing import enroll_speaker, make_speaker_adapted

    pipe = make_speaker_adapted(pipe)
    speakers = np.unique(groups)
    own = {name: np.empty((len(y), len(LABELS))) for name in sets}
    enrolled = {name: np.empty((len(y), len(LABELS))) for name in sets}
    with config_context(enable_metadata_routing=True):
        for index, speaker in enumerate(speakers):
            following = speakers[(index + 1) % len(speakers)]
            train, val = (groups != speaker) & (groups != following), groups == following
            model = fit_with_validation(
                clone(pipe), X[train], y[train], X_val=X[val], y_val=y[val],
                params={"speakers": groups[train]}, val_params={"speakers": groups[val]},
            )
            test = np.flatnonzero(groups == speaker)
            stats = enroll_speaker(model, X[test])
            for name, (clips, _) in sets.items():
                batch = as_batch([clips[i] for i in test])
                own[name][test] = model.predict_proba(batch, speakers=groups[test])
                enrolled[name][test] = model.predict_proba(batch, speaker_stats=stats)
    return own, enrolled


def fold_ua(y, predicted, groups):
    from skser.metrics import unweighted_accuracy

    return float(np.mean([unweighted_accuracy(y[groups == g], predicted[groups == g])
                          for g in np.unique(groups)]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--seed", type=int, default=0,
                        help="make_ser_pipeline's and NoisyCopies' random_state")
    parser.add_argument("--opus", action="store_true",
                        help="also an Opus round trip (libsndfile's encoder is slow)")
    args = parser.parse_args()
    for name in ("ravdess", "emodb"):
        if not (args.data / name).is_dir():
            sys.exit(f"shared {name} not found under {args.data}: pass --data")

    from skser.datasets import load_emodb, load_ravdess
    from skser.io import AudioLoader
    from skser.pipeline import make_ser_pipeline
    from skser.preprocessing import NoisyCopies

    ravdess = load_ravdess(args.data / "ravdess", labels="emotion4")
    X = AudioLoader(n_jobs=2).transform(ravdess.filenames)
    y, groups = np.asarray(ravdess.target), np.asarray(ravdess.groups)
    emodb = AudioLoader(n_jobs=2).transform(load_emodb(args.data / "emodb").filenames)
    babble = make_babble(emodb, np.random.default_rng(0))
    sets = degraded_sets(X, babble, args.opus)
    print(f"RAVDESS: {len(y)} clips, {len(np.unique(groups))} speakers; true shares "
          + " ".join(f"{k} {100 * np.mean(y == k):.1f}" for k in LABELS))
    print("conditions made in " + ", ".join(f"{name} {seconds:.0f} s"
                                           for name, (_, seconds) in sets.items()) + "\n")
    figures = {}
    with tempfile.TemporaryDirectory() as cache:
        for variant in args.variants:
            start = time.perf_counter()
            pipe = make_ser_pipeline(memory=cache, random_state=args.seed, **VARIANTS[variant])
            pipe.set_params(**EMBEDDER.get(variant, {}))
            if variant in ADAPTED:
                tables = dict(zip(ADAPTED[variant],
                                  adapted_loso_under_conditions(pipe, X, y, groups, sets)))
            else:
                sampler = (NoisyCopies(random_state=args.seed, **SAMPLED[variant])
                           if variant in SAMPLED else None)
                tables = {variant: loso_under_conditions(pipe, X, y, groups, sets, sampler)}
            seconds = time.perf_counter() - start
            setup = [f"make_ser_pipeline({_arguments(VARIANTS[variant])})"]
            if variant in ADAPTED:
                setup.append("speaker-adapted")
            if variant in SAMPLED:
                setup.append(f"NoisyCopies({_arguments(SAMPLED[variant])})")
            setup.append(_arguments(EMBEDDER.get(variant, {})))
            for title, predictions in tables.items():
                print(f"training variant: {title} ({', '.join(filter(None, setup))}), "
                      f"{seconds:.0f} s")
                rows = print_table(y, groups, predictions)
                figures[f"{title} ({', '.join(filter(None, setup))}; {seconds:.0f} s)"] = rows
    write_record(__file__, figures,
                 name=("bench_robustness" if args.variants == list(VARIANTS)
                       else "bench_robustness-" + "-".join(args.variants))
                 + (f"-seed{args.seed}" if args.seed else ""))


def _arguments(params):
    return ", ".join(f"{k}={v!r}" for k, v in params.items())


def print_table(y, groups, probabilities):
    """UA, its difference from clean, ECE and the predicted shares, one row per condition."""
    from skser.metrics import expected_calibration_error

    predictions = {name: np.asarray(LABELS, dtype=object)[np.argmax(proba, axis=1)]
                   for name, proba in probabilities.items()}
    clean = fold_ua(y, predictions["clean"], groups)
    header = f"{'condition':30s} {'UA %':>6s} {'Δ clean':>8s} {'ECE':>6s}   predicted share %"
    print(header + "\n" + "-" * (len(header) + 30))
    rows = []
    for name, predicted in predictions.items():
        ua = fold_ua(y, predicted, groups)
        ece = expected_calibration_error(y, probabilities[name], labels=LABELS)
        shares = "  ".join(f"{k} {100 * np.mean(predicted == k):4.1f}" for k in LABELS)
        top = max(np.mean(predicted == k) for k in LABELS)
        flag = "  <- one class takes over" if top > 0.45 else ""
        print(f"{name:30s} {100 * ua:6.1f} {100 * (ua - clean):+8.1f} {ece:6.3f}   "
              f"{shares}{flag}")
        rows.append({"condition": name, "UA %": round(100 * ua, 1),
                     "Δ clean": round(100 * (ua - clean), 1), "ECE": round(float(ece), 3),
                     **{f"{k} %": round(100 * float(np.mean(predicted == k)), 1)
                        for k in LABELS}})
    print()
    return rows


if __name__ == "__main__":
    main()
