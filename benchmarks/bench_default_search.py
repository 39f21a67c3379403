"""Candidates for the default model, leave-one-speaker-out on RAVDESS and on EmoDB.

Data: the shared RAVDESS (actors 01-12) and EmoDB, emotion4 labels. Every candidate is the
default front end (Trimmer 20 dB, PreEmphasis 0.97, PeakNormalizer 0.95, FixedDuration 8 s)
and the weight-free AcousticEmbedder, embedded once per clip; candidates differ in their
training data and head. Folds as ``evaluate_sessions(..., validation="next")``: test on
one speaker, early-stop on the next, train on the rest. Each candidate is run with several
head seeds (``--seeds``); the table shows UA mean ± std over folds for each seed, and the
mean over seeds, since one seed's UA moves by up to 3 points on RAVDESS from the seed
alone. Nothing is tuned on these results: each candidate is one principled setting.

Candidates:

- ``default``: ``FocalLossClassifier()`` on the training speakers: an ensemble of
  ``n_ensemble=5`` heads that differ only in their seed, predicting their mean probability;
- ``one head``: ``FocalLossClassifier(n_ensemble=1)``, the single head (the default before
  ``n_ensemble``);
- ``+ other corpus``: the default, the other corpus's clips added to every fold's training
  set;
- ``logistic C=0.01``: a standardised, strongly regularised linear head;
- ``paper augmentation`` / ``noise augmentation``: half the training clips replaced by one
  augmented copy (``WaveformAugmenter()`` after the normalizer, or ``noise_augmenter()``
  before the Trimmer), drawn once per clip: the distribution the augmenting pipeline
  trains on, without re-embedding per fold. The noise augmenter's babble is drawn from the
  same speaker's other clips (the pipeline draws it from other training clips). The
  augmented candidates train the default head.
- ``speed perturbation``: every training clip also at speeds 0.9 and 1.1 (Kaldi's
  standard factors; each recorded clip resampled by 10/9 and 9/10 with
  ``scipy.signal.resample_poly`` and played at 16 kHz, so its pitch, formants and tempo
  all move by 10%: new voices), three rows per clip; validation and test clips as
  recorded. ``+ test-time speeds`` also predicts each test clip at the three speeds and
  averages the probabilities. Not yet a pipeline option: the rows are embedded here, once
  per clip.

Usage: python benchmarks/bench_default_search.py [--data ../shared/data] [--seeds 0 1]
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from _common import DEFAULT_DATA

LABELS = ["ang", "hap", "neu", "sad"]


def embed(X, augmenter=None, before_trim=False, groups=None):
    """Default front end + AcousticEmbedder, with an augmenter applied per speaker."""
    from sklearn.pipeline import make_pipeline

    from skser.embedding import AcousticEmbedder
    from skser.io import as_batch
    from skser.preprocessing import FixedDuration, PeakNormalizer, PreEmphasis, Trimmer

    def augment(batch):
        out = np.array(batch, copy=True)
        for group in np.unique(groups):
            out[groups == group] = augmenter.fit_transform(batch[groups == group])
        return out

    X = as_batch(X)
    if augmenter is not None and before_trim:
        X = augment(X)
    X = make_pipeline(Trimmer(top_db=20), PreEmphasis(coef=0.97),
                      PeakNormalizer(peak=0.95)).fit_transform(X)
    if augmenter is not None and not before_trim:
        X = augment(X)
    X = FixedDuration(duration=8.0).fit_transform(X)
    return AcousticEmbedder().fit(X).transform(X)


def speed_copies(X, factors=((10, 9), (9, 10))):
    """Each recorded clip resampled by ``up/down`` per factor: speeds 0.9 and 1.1 at 16 kHz."""
    from scipy.signal import resample_poly

    from skser.io import as_batch, clip_lengths

    lengths = clip_lengths(X)
    return [as_batch([resample_poly(clip[:n].astype(np.float64), up, down).astype(np.float32)
                      for clip, n in zip(X, lengths)]) for up, down in factors]


def loso(E, y, groups, make_head, train_rows=None, extra=None, copies=(), test_views=()):
    """Per-fold UA of a head.

    ``train_rows`` replaces the training embeddings when given; ``copies`` (embeddings of
    other versions of every clip) add training rows; ``test_views`` (the same) are
    predicted too, and the probabilities of every version of a test clip averaged.
    """
    from skser.metrics import unweighted_accuracy

    train_rows = E if train_rows is None else train_rows
    speakers = np.unique(groups)
    scores = []
    for index, speaker in enumerate(speakers):
        following = speakers[(index + 1) % len(speakers)]
        train = (groups != speaker) & (groups != following)
        X_train = np.concatenate([train_rows[train], *(copy[train] for copy in copies)])
        y_train = np.tile(y[train], 1 + len(copies))
        if extra is not None:
            X_train, y_train = np.concatenate([X_train, extra[0]]), np.concatenate([y_train,
                                                                                    extra[1]])
        test, validation = groups == speaker, groups == following
        proba = make_head().fit_predict_proba(X_train, y_train, E[validation], y[validation],
                                              [E[test], *(view[test] for view in test_views)])
        predicted = np.asarray(LABELS)[np.argmax(proba, axis=1)]
        scores.append(unweighted_accuracy(y[test], predicted))
    return np.array(scores)


class Head:
    """One way of fitting a head on embeddings and predicting test probabilities."""

    def __init__(self, kind, seed):
        self.kind, self.seed = kind, seed

    def fit_predict_proba(self, X, y, X_val, y_val, X_tests):
        """Fit, then the mean predicted probability over the test sets ``X_tests``."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        from skser.classification import FocalLossClassifier

        if self.kind == "logistic":
            model = make_pipeline(StandardScaler(), LogisticRegression(
                C=0.01, class_weight="balanced", max_iter=3000)).fit(X, y)
        else:
            params = {"n_ensemble": 1} if self.kind == "one head" else {}
            model = FocalLossClassifier(random_state=self.seed, **params)
            model.fit(X, y, X_val=X_val, y_val=y_val)
        return np.mean([model.predict_proba(X_test) for X_test in X_tests], axis=0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    args = parser.parse_args()
    for name in ("ravdess", "emodb"):
        if not (args.data / name).is_dir():
            sys.exit(f"shared {name} not found under {args.data}: pass --data")

    from skser.datasets import load_emodb, load_ravdess
    from skser.io import AudioLoader
    from skser.pipeline import noise_augmenter
    from skser.preprocessing import WaveformAugmenter

    start = time.perf_counter()
    corpora = {}
    for name, loader in [("RAVDESS", load_ravdess), ("EmoDB", load_emodb)]:
        bunch = loader(args.data / name.lower(), labels="emotion4")
        X = AudioLoader(n_jobs=2).transform(bunch.filenames)
        y, groups = np.asarray(bunch.target), np.asarray(bunch.groups)
        pick = np.random.default_rng(0).uniform(size=len(y)) < 0.5
        clean = embed(X)
        paper = embed(X, WaveformAugmenter(random_state=0), groups=groups)
        noise = embed(X, noise_augmenter(random_state=0), before_trim=True, groups=groups)
        corpora[name] = dict(
            X=clean, y=y, groups=groups, speeds=[embed(copy) for copy in speed_copies(X)],
            paper=np.where(pick[:, None], paper, clean),
            noise=np.where(pick[:, None], noise, clean),
        )
    print(f"embedded (clean, two augmented copies and two speeds of each clip) in "
          f"{time.perf_counter() - start:.0f} s\n")

    candidates = {
        "default": dict(kind="focal"),
        "one head": dict(kind="one head"),
        "+ other corpus": dict(kind="focal", extra=True),
        "logistic C=0.01": dict(kind="logistic"),
        "paper augmentation": dict(kind="focal", rows="paper"),
        "noise augmentation": dict(kind="focal", rows="noise"),
        "speed perturbation": dict(kind="focal", speeds="train"),
        "+ test-time speeds": dict(kind="focal", speeds="train and test"),
    }
    header = f"{'candidate':22s} {'corpus':8s} " + " ".join(
        f"{'seed ' + str(seed):>12s}" for seed in args.seeds) + f" {'mean':>6s}"
    print(header + "\n" + "-" * len(header))
    for candidate, spec in candidates.items():
        for corpus, data in corpora.items():
            other = corpora["EmoDB" if corpus == "RAVDESS" else "RAVDESS"]
            cells, means = [], []
            seeds = args.seeds if spec["kind"] != "logistic" else args.seeds[:1]
            for seed in seeds:
                scores = loso(data["X"], data["y"], data["groups"],
                              lambda seed=seed, kind=spec["kind"]: Head(kind, seed),
                              train_rows=data.get(spec.get("rows")),
                              extra=(other["X"], other["y"]) if spec.get("extra") else None,
                              copies=data["speeds"] if spec.get("speeds") else (),
                              test_views=data["speeds"] if spec.get("speeds") == "train and test"
                              else ())
                cells.append(f"{100 * scores.mean():.1f} ± {100 * scores.std():.1f}")
                means.append(scores.mean())
            cells += ["(deterministic)"] * (len(args.seeds) - len(seeds))
            print(f"{candidate:22s} {corpus:8s} " + " ".join(f"{c:>12s}" for c in cells)
                  + f" {100 * np.mean(means):6.1f}", flush=True)
    print(f"\nTotal {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
