"""Accuracy on real speech: skser's default pipeline vs two classic baselines.

Data: the shared RAVDESS (actors 01-12) and EmoDB, emotion4 labels (ang, hap, neu, sad).
Settings, all in one run:

- RAVDESS, leave-one-speaker-out (12 folds);
- EmoDB, leave-one-speaker-out (10 folds);
- cross-corpus EmoDB -> RAVDESS (train on all of EmoDB, test on all of RAVDESS).

Methods, each run once with the stated defaults (nothing is tuned on these results):

(a) ``make_ser_pipeline()``: the weight-free AcousticEmbedder + FocalLossClassifier, with an
    embedding cache (``memory=``) so each clip is embedded once across folds and settings;
    each clip is embedded as recorded and at speeds 0.9 and 1.1, the head trains on all
    three and averages its verdict over them;
(a1) the same with ``speeds=()``: each clip embedded once (the default before speeds);
(b) eGeMAPSv02 functionals (openSMILE, 88 features) + StandardScaler + SVC(rbf,
    class_weight="balanced"); skipped with a note when ``opensmile`` is not installed;
(c) librosa MFCC statistics (40 MFCC + deltas, mean and std over 25 ms / 10 ms frames:
    160 features) + StandardScaler + MLPClassifier(early_stopping=True).

(b) and (c) compute their features on each clip as recorded (true length, no trimming or
normalization: the usual way these baselines are reported), cached per clip in memory. With
``--baseline-input front-end`` they get the waveforms (a) gets instead: skser's Trimmer(20 dB),
PreEmphasis(0.97) and PeakNormalizer(0.95) first (a sensitivity check: the two corpora are
recorded about 20 dB apart, which raw-clip features carry across corpora).
All three go through ``skser.model_selection.evaluate_sessions(..., validation="next")``:
every method trains on the SAME speakers in each fold (the test speaker and the next
speaker are left out); (a) uses the next speaker for early stopping, (b) and (c) do not see
it at all (the MLP early-stops on a random 10% of its training clips). Cross-corpus runs
``evaluate_cross_corpus`` with no validation set: (a) and (c) early-stop on a random
stratified 10% of EmoDB, (b) trains on all of it.

Speaker adaptation: every LOSO setting also runs each method under the speaker-adapted
protocol (``evaluate_sessions(..., adapt="speaker")``: a SpeakerNormalizer before the final
step; training speakers standardised by their own statistics, the test speaker by the
statistics of its own unlabeled test clips, i.e. transductive), on the same folds; its rows
are marked "adapted" in the protocol column, the others "plain". ``--no-adapt`` skips it.

Prints one table (rows: setting x method x protocol; columns: UA, WA, macro-F1 as mean ± std % over
folds, np.std with ddof=0, and seconds per setting), chance levels, and the arousal 2x2 view
of each cross-corpus run. A setting's time includes feature extraction for clips not seen
before (the first setting pays for RAVDESS, the second for EmoDB; cross-corpus reuses both).
Target: the whole run under ~15 minutes on 2 cores.

Usage: python benchmarks/bench_accuracy.py [--data ../shared/data] [--baseline-input raw]
"""

import argparse
import hashlib
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import DEFAULT_DATA, write_record
from sklearn.base import BaseEstimator, TransformerMixin

LABELS = ["ang", "hap", "neu", "sad"]


class _PerClipFeatures(TransformerMixin, BaseEstimator):
    """A fixed feature vector per clip (its true-length samples), memoised by content.

    Stateless: ``fit`` learns nothing. The store is shared by all clones (folds run in
    this process, ``n_jobs=1``).
    """

    _store = {}

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        from skser.io import as_batch, clip_lengths

        X = as_batch(X)
        rows = []
        for row, length in zip(X, clip_lengths(X)):
            clip = np.ascontiguousarray(row[:length])
            key = (type(self).__name__, hashlib.blake2b(clip.tobytes(), digest_size=16).digest())
            if key not in self._store:
                self._store[key] = np.asarray(self._features(clip), dtype=np.float64)
            rows.append(self._store[key])
        return np.stack(rows)


class EGeMAPS(_PerClipFeatures):
    """openSMILE eGeMAPSv02 functionals: 88 features per clip."""

    def _features(self, clip):
        import opensmile

        if not hasattr(EGeMAPS, "_smile"):
            EGeMAPS._smile = opensmile.Smile(
                feature_set=opensmile.FeatureSet.eGeMAPSv02,
                feature_level=opensmile.FeatureLevel.Functionals,
            )
        return EGeMAPS._smile.process_signal(clip, 16000).to_numpy()[0]


class MFCCStats(_PerClipFeatures):
    """Mean and std over frames of 40 MFCC and their deltas: 160 features per clip."""

    def _features(self, clip):
        import librosa

        mfcc = librosa.feature.mfcc(
            y=clip, sr=16000, n_mfcc=40, n_fft=512, win_length=400, hop_length=160
        )
        frames = np.concatenate([mfcc, librosa.feature.delta(mfcc)])
        return np.concatenate([frames.mean(axis=1), frames.std(axis=1)])


def _methods(cache, baseline_input):
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    from skser.pipeline import make_ser_pipeline
    from skser.preprocessing import PeakNormalizer, PreEmphasis, Trimmer

    def front_end():
        if baseline_input == "raw":
            return []
        return [Trimmer(top_db=20), PreEmphasis(coef=0.97), PeakNormalizer(peak=0.95)]

    methods = {"(a) skser default": make_ser_pipeline(memory=cache),
               "(a1) one speed": make_ser_pipeline(memory=cache, speeds=())}
    try:
        import opensmile  # noqa: F401
    except ImportError:
        print("NOTE: opensmile is not installed: (b) eGeMAPS + SVM is skipped "
              "(pip install opensmile)\n")
    else:
        methods["(b) eGeMAPS + SVM"] = make_pipeline(
            *front_end(), EGeMAPS(), StandardScaler(), SVC(kernel="rbf", class_weight="balanced")
        )
    methods["(c) MFCC + MLP"] = make_pipeline(
        *front_end(), MFCCStats(), StandardScaler(),
        MLPClassifier(early_stopping=True, max_iter=500, random_state=0),
    )
    return methods


def _load(data):
    from skser.datasets import load_emodb, load_ravdess
    from skser.io import AudioLoader

    corpora = {}
    for name, loader in [("RAVDESS", load_ravdess), ("EmoDB", load_emodb)]:
        bunch = loader(data / name.lower(), labels="emotion4")
        X = AudioLoader(n_jobs=2).transform(bunch.filenames)
        corpora[name] = (X, np.asarray(bunch.target), np.asarray(bunch.groups))
    return corpora


def _levels(X):
    from skser.io import clip_lengths

    lengths = clip_lengths(X)
    peak = 20 * np.log10(np.abs(X).max(axis=1))
    rms = 10 * np.log10((X.astype(np.float64) ** 2).sum(axis=1) / lengths)
    return (f"medians: {np.median(lengths) / 16000:.2f} s, peak {np.median(peak):.1f} dBFS, "
            f"RMS {np.median(rms):.1f} dBFS")


def _chance(y):
    """UA of any audio-blind predictor, WA of the majority class, macro-F1 of uniform guessing."""
    prior = np.array([np.mean(y == label) for label in LABELS])
    guess = 1 / len(LABELS)
    f1 = np.mean(2 * prior * guess / (prior + guess))
    return f"UA 25.0 %, WA {100 * prior.max():.1f} % (majority class), macro-F1 {100 * f1:.1f} %" \
        " (uniform guessing)"


def _cell(report, metric):
    if report.n_folds == 1:
        return f"{100 * report.mean[metric]:.1f}"
    return f"{100 * report.mean[metric]:.1f} ± {100 * report.std[metric]:.1f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--baseline-input", choices=["raw", "front-end"], default="raw",
                        help="what (b) and (c) compute features on (default: the clips as "
                        "recorded)")
    parser.add_argument("--no-adapt", action="store_true",
                        help="skip the speaker-adapted protocol")
    args = parser.parse_args()
    for name in ("ravdess", "emodb"):
        if not (args.data / name).is_dir():
            sys.exit(f"shared {name} not found under {args.data}: pass --data")

    from skser.model_selection import evaluate_cross_corpus, evaluate_sessions

    start = time.perf_counter()
    corpora = _load(args.data)
    for name, (X, y, groups) in corpora.items():
        counts = ", ".join(f"{k} {int(np.sum(y == k))}" for k in LABELS)
        print(f"{name}: {len(y)} clips, {len(np.unique(groups))} speakers ({counts}); "
              f"{_levels(X)}")
    print(f"(b) and (c) features on: {args.baseline_input} clips")
    print(f"(loaded in {time.perf_counter() - start:.0f} s)\n")

    rows, arousal, n_train = [], {}, {}
    with tempfile.TemporaryDirectory() as cache:
        methods = _methods(cache, args.baseline_input)
        for corpus in ("RAVDESS", "EmoDB"):
            X, y, groups = corpora[corpus]
            setting = f"{corpus} LOSO ({len(np.unique(groups))} folds)"
            for method, estimator in methods.items():
                start = time.perf_counter()
                report = evaluate_sessions(
                    estimator, X, y, groups, validation="next", n_jobs=1, labels=LABELS,
                    adapt=None if args.no_adapt else "speaker",
                )
                rows.append((setting, method, report, time.perf_counter() - start))
                if report.adapted is not None:
                    rows.append((setting, method, report.adapted, None))
                n_train.setdefault(corpus, {})[method] = [f.n_train for f in report.folds]
        X_train, y_train, _ = corpora["EmoDB"]
        X_test, y_test, _ = corpora["RAVDESS"]
        setting = "EmoDB -> RAVDESS (1 fold)"
        for method, estimator in methods.items():
            start = time.perf_counter()
            report = evaluate_cross_corpus(
                estimator, (X_train, y_train), (X_test, y_test), labels=LABELS
            )
            rows.append((setting, method, report, time.perf_counter() - start))
            arousal[method] = report.arousal

    header = f"{'setting':28s} {'method':20s} {'protocol':9s} {'UA %':>12s} {'WA %':>12s}" \
        f" {'macro-F1 %':>12s} {'time s':>7s}"
    print(header)
    print("-" * len(header))
    print("(time s: a plain row's time includes its adapted row's)")
    previous = None
    for setting, method, report, seconds in rows:
        shown = setting if setting != previous else ""
        previous = setting
        protocol = "plain" if report.protocol == "plain" else "adapted"
        # an adapted row's time is in its plain row's (both ran in one evaluate_sessions)
        spent = "" if seconds is None else f"{seconds:7.0f}"
        print(f"{shown:28s} {method:20s} {protocol:9s} {_cell(report, 'ua'):>12s} "
              f"{_cell(report, 'wa'):>12s} {_cell(report, 'macro_f1'):>12s} {spent:>7s}")
    gains = [(setting, method, report) for setting, method, report, _ in rows
             if report.adapted is not None]
    if gains:
        print("\nSpeaker adaptation, UA gain (adapted - plain, mean over the same folds; "
              "the adapted protocol uses each test speaker's unlabeled clips):")
        for setting, method, report in gains:
            gain = 100 * (report.adapted.mean["ua"] - report.mean["ua"])
            folds = np.mean([a.ua > p.ua for a, p in zip(report.adapted.folds, report.folds)])
            print(f"  {setting:28s} {method:20s} {gain:+5.1f} points "
                  f"(better in {100 * folds:.0f}% of folds)")
    print("\nChance levels:")
    print(f"  RAVDESS: {_chance(corpora['RAVDESS'][1])}")
    print(f"  EmoDB:   {_chance(corpora['EmoDB'][1])}")
    for corpus, per_method in n_train.items():
        same = len({tuple(v) for v in per_method.values()}) == 1
        counts = next(iter(per_method.values()))
        print(f"{corpus} training clips per fold: {min(counts)}-{max(counts)}, "
              f"{'identical' if same else 'DIFFERENT'} for all methods")
    print("\nCross-corpus EmoDB -> RAVDESS, arousal view (high: ang, hap; low: neu, sad):")
    for method, view in arousal.items():
        print(f"{method}")
        print("  " + str(view).replace("\n", "\n  "))
    total = sum(row[3] for row in rows if row[3] is not None)
    print(f"\nTotal evaluation time {total:.0f} s")
    write_record(__file__, {
        "UA, WA and macro-F1 % (mean ± std over folds)": [
            {"setting": setting, "method": method,
             "protocol": "plain" if report.protocol == "plain" else "adapted",
             "UA %": _cell(report, "ua"), "WA %": _cell(report, "wa"),
             "macro-F1 %": _cell(report, "macro_f1"),
             "time s": None if seconds is None else round(seconds)}
            for setting, method, report, seconds in rows],
        "speaker adaptation, UA gain in points": {
            f"{setting}, {method}": round(100 * (report.adapted.mean["ua"]
                                                 - report.mean["ua"]), 1)
            for setting, method, report in gains},
        "chance": {"RAVDESS": _chance(corpora["RAVDESS"][1]),
                   "EmoDB": _chance(corpora["EmoDB"][1])},
        "EmoDB -> RAVDESS arousal view": {method: str(view) for method, view in arousal.items()},
    }, notes=f"(b) and (c) computed their features on {args.baseline_input} clips.")


if __name__ == "__main__":
    main()
