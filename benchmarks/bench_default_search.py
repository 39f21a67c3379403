"""Candidates for the default model, chosen on half the speakers, reported on the others.

Data: the shared RAVDESS (actors 01-12) and EmoDB, emotion4 labels. Every candidate is the
default front end (Trimmer 20 dB with a 6 dB noise margin, PreEmphasis 0.97, PeakNormalizer
0.95, FixedDuration 8 s) and the weight-free AcousticEmbedder with its spectral dynamics,
each clip embedded once, at its own speed, at speeds 0.9, 1.1, 0.8 and 1.2, and through a
telephone line (``AcousticEmbedder(dynamics=True, speeds=(0.9, 1.1, 0.8, 1.2),
channels=("telephone",))``: six blocks of 251 features; the first three and the sixth are
exactly what the default pipeline gives). Candidates differ in the blocks
they read, their training data and their head. Folds as ``evaluate_sessions(...,
validation="next")``: test on one speaker, early-stop on the next, train on the rest. Each
candidate is run with several head seeds (``--seeds``); the table shows UA mean ± std over
folds for each seed, and the mean over seeds, since one seed's UA moves by up to 3 points on
RAVDESS from the seed alone. Nothing is tuned on these results: each candidate is one
principled setting.

**Nested: choose on some speakers, report on others.** Leave-one-speaker-out within one
group of speakers flatters: a default chosen on the same folds it is reported on scores
about 5 points lower on other speakers. So each corpus's speakers are split into two
halves (sorted ids: RAVDESS actors 01-06 and 07-12, EmoDB speakers 03-11 and 12-16),
every candidate is run leave-one-speaker-out *within one half* (the table of candidates),
the best by mean UA over seeds is chosen there, and the chosen candidate and the default
are then reported on the *other half* only: leave-one-speaker-out within that half, and
trained on the choosing half (early-stopped on its last speaker) and tested on each
speaker of the other. Then the same with the halves swapped. Figures for the default
are the ones from the half that did not choose it.

Candidates:

- ``default``: what ``make_ser_pipeline()`` trains: ``FocalLossClassifier(n_views=4)``
  (five heads that differ only in their seed) over four views of each clip (speeds 1,
  0.9, 1.1, and the clip through a telephone line: 300-3400 Hz, G.711 mu-law,
  ``AcousticEmbedder(channels=("telephone",))``), trained on every view and averaging its
  probabilities over them;
- ``studio``: the default without the telephone view (``channels=()``, three views), the
  default before it was added: chosen for phone lines (``bench_robustness.py``), not for
  clean speech, which this search measures;
- ``no dynamics``: the default without the 80 features of spectral dynamics
  (``dynamics=False``: the first 171 of each block, the same bit for bit as an embedder
  without them), the default before they were added;
- ``one speed``: the same head on the first block and the telephone view (``speeds=()``);
- ``five speeds``: ``n_views=6``, speeds 0.8 and 1.2 as well;
- ``one head``: ``n_ensemble=1``;
- ``wider head``: ``hidden_layer_sizes=(512,), dropout=0.5``: twice the width, more
  dropout;
- ``+ other corpus``: the default, the other corpus's clips added to every fold's
  training set;
- ``no early stopping``: the default head trained for all 25 epochs on the training
  speakers, the validation speaker unused;
- ``refit + validation``: one head early-stops on the validation speaker as usual, then
  the five heads are trained afresh on the training and validation speakers together for
  that head's best number of epochs, at least 2 (one more speaker to learn from);
- ``logistic C=0.01``: a standardised, strongly regularised linear model, trained on every
  view as its own row and averaging its probabilities over a clip's three views;
- ``paper augmentation`` / ``noise augmentation``: half the training clips replaced by one
  augmented copy (``WaveformAugmenter()`` after the normalizer, or ``noise_augmenter()``
  before the Trimmer), drawn once per clip: the distribution the augmenting pipeline
  trains on, without re-embedding per fold. The noise augmenter's babble is drawn from the
  same speaker's other clips (the pipeline draws it from other training clips). The
  augmented candidates train the default head on four views of the augmented clip;
- ``channel copies``: the default, every training clip joined by two noisy copies of it
  (``NoisyCopies(n_copies=2, kinds=(white, babble, floor, telephone, room),
  snr_db=(0, 30))``: the multi-condition training of ``bench_robustness.py``'s
  ``channels`` variant), drawn once per clip, the babble from the same speaker's other
  clips (never a test speaker's speech in another speaker's training copies); the
  validation speaker's clips joined by their copies too (early stopping and the temperature
  see the same conditions, as ``skser train`` does), test clips as recorded;
- ``+ raw spectra``: ``AcousticEmbedder(denoise="both", dynamics=True)``: each of the
  studio candidate's three views, 251 features of the cleaned spectra followed by the
  same 251 of the spectra as recorded, without the per-clip noise removal and its floor
  (502 per view; the same head). ``bench_robustness.py --variants both-spectra``
  measures what it does under noise;
- ``+ eGeMAPS (raw clips)``: feature fusion, the studio candidate's three views each
  joined by the 88 eGeMAPSv02 functionals (openSMILE) of the same clip at the same speed,
  computed on the clip as recorded (the way eGeMAPS is usually reported); ``+ eGeMAPS
  (raw), -20 dB`` is the same model with the validation and test clips played 20 dB
  quieter (both feature sets recomputed), the gain condition of ``bench_robustness.py``;
  ``+ eGeMAPS (front end)`` computes the functionals on the front end's output instead
  (trimmed, pre-emphasised, peak-normalised), what a pipeline step after the default front
  end sees. All three are skipped with a note when ``opensmile`` is not installed;
  openSMILE is not part of an ONNX graph, so none of them could be the exported default
  anyway.

Usage: python benchmarks/bench_default_search.py [--data ../shared/data] [--seeds 0 1]
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from _common import DEFAULT_DATA, write_record

from skser.embedding import acoustic_feature_names

LABELS = ["ang", "hap", "neu", "sad"]


SPEEDS = (0.9, 1.1, 0.8, 1.2)
CHANNELS = ("telephone",)
N_BLOCKS = 1 + len(SPEEDS) + len(CHANNELS)
TELEPHONE_VIEW = 1 + len(SPEEDS)
# The blocks make_ser_pipeline(channels=()) reads: the clip as given, speeds 0.9 and 1.1;
# make_ser_pipeline() reads the telephone view as well.
STUDIO_VIEWS = (0, 1, 2)
DEFAULT_VIEWS = (*STUDIO_VIEWS, TELEPHONE_VIEW)
# The channel copies candidate's sampler (bench_robustness.py's "channels" variant).
COPIES = dict(n_copies=2, kinds=("white", "babble", "floor", "telephone", "room"),
              snr_db=(0.0, 30.0))


def embed(X, augmenter=None, before_trim=False, groups=None, denoise=True):
    """Default front end + AcousticEmbedder at five speeds, an augmenter applied per speaker."""
    from sklearn.pipeline import make_pipeline

    from skser.embedding import AcousticEmbedder
    from skser.io import as_batch
    from skser.pipeline import NOISE_MARGIN_DB
    from skser.preprocessing import FixedDuration, PeakNormalizer, PreEmphasis, Trimmer

    def augment(batch):
        out = np.array(batch, copy=True)
        for group in np.unique(groups):
            out[groups == group] = augmenter.fit_transform(batch[groups == group])
        return out

    X = as_batch(X)
    if augmenter is not None and before_trim:
        X = augment(X)
    X = make_pipeline(Trimmer(top_db=20, noise_margin_db=NOISE_MARGIN_DB), PreEmphasis(coef=0.97),
                      PeakNormalizer(peak=0.95)).fit_transform(X)
    if augmenter is not None and not before_trim:
        X = augment(X)
    X = FixedDuration(duration=8.0).fit_transform(X)
    return AcousticEmbedder(speeds=SPEEDS, channels=CHANNELS, denoise=denoise,
                            dynamics=True).fit(X).transform(X)


def channel_copies(X, y, groups, seed=0):
    """``COPIES["n_copies"]`` noisy copies of every clip, drawn per speaker (their babble from
    the same speaker's other clips): a list of ``n_copies`` lists of clips, each aligned
    with ``X``."""
    from skser.io import as_batch, clip_lengths
    from skser.preprocessing import NoisyCopies

    X = as_batch(X)
    copies = [[None] * len(y) for _ in range(COPIES["n_copies"])]
    for group in np.unique(groups):
        rows = np.flatnonzero(groups == group)
        sampler = NoisyCopies(**COPIES, random_state=seed)
        resampled, _ = sampler.fit_resample(X[rows], y[rows])
        made = np.zeros(len(rows), dtype=int)
        for row in range(len(rows), len(resampled)):
            source = sampler.sample_indices_[row]
            length = clip_lengths(resampled[row:row + 1])[0]
            copies[made[source]][rows[source]] = resampled[row, :length]
            made[source] += 1
    return copies


def egemaps(X):
    """eGeMAPSv02 functionals (openSMILE) of each clip at its true length, at speeds 1, 0.9, 1.1.

    Returns three blocks of 88 features, in the order of the default's views.
    """
    import opensmile
    from scipy.signal import resample_poly

    from skser.embedding import speed_ratio
    from skser.io import clip_lengths

    smile = opensmile.Smile(feature_set=opensmile.FeatureSet.eGeMAPSv02,
                            feature_level=opensmile.FeatureLevel.Functionals)
    rows = []
    for clip, length in zip(X, clip_lengths(X)):
        clip = np.asarray(clip[:length], dtype=np.float64)
        views = [clip] + [resample_poly(clip, *speed_ratio(speed)) for speed in SPEEDS[:2]]
        rows.append(np.concatenate([smile.process_signal(view, 16000).to_numpy().ravel()
                                    for view in views]))
    return np.asarray(rows)


def fuse(E, extra):
    """The default's three views of ``E``, each followed by its block of ``extra``."""
    ours = np.split(blocks(E, STUDIO_VIEWS), len(STUDIO_VIEWS), axis=1)
    theirs = np.split(extra, len(STUDIO_VIEWS), axis=1)
    return np.hstack([np.hstack(pair) for pair in zip(ours, theirs)])


def blocks(E, views, columns=slice(None)):
    """The blocks (views) ``views`` of embeddings ``E``, side by side, ``columns`` of each."""
    width = E.shape[1] // N_BLOCKS
    return np.hstack([E[:, view * width:(view + 1) * width][:, columns] for view in views])


def loso(E, y, groups, head, train_rows=None, extra=None, n_jobs=2, copies=()):
    """Per-fold UA of a head (folds in parallel); ``train_rows`` replaces the training rows,
    and each of ``copies`` (arrays aligned with ``E``) adds its training rows."""
    from joblib import Parallel, delayed

    from skser.metrics import unweighted_accuracy

    train_rows = E if train_rows is None else train_rows
    speakers = np.unique(groups)

    def fold(index, speaker):
        following = speakers[(index + 1) % len(speakers)]
        train = (groups != speaker) & (groups != following)
        X_train, y_train = _with_copies(train_rows[train], y[train], copies, train)
        if extra is not None:
            X_train, y_train = np.concatenate([X_train, extra[0]]), np.concatenate([y_train,
                                                                                    extra[1]])
        test, validation = groups == speaker, groups == following
        X_val, y_val = _with_copies(E[validation], y[validation], copies, validation)
        proba = head.fit_predict_proba(X_train, y_train, X_val, y_val, E[test])
        predicted = np.asarray(LABELS)[np.argmax(proba, axis=1)]
        return unweighted_accuracy(y[test], predicted)

    return np.array(Parallel(n_jobs=n_jobs)(delayed(fold)(index, speaker)
                                            for index, speaker in enumerate(speakers)))


def transfer(E, y, groups, head, train_speakers, test_speakers, train_rows=None,
             extra=None, copies=()):
    """UA on each speaker of ``test_speakers``, trained on ``train_speakers`` (the last one
    held out for early stopping); ``train_rows``, ``extra`` and ``copies`` as in
    :func:`loso`."""
    from skser.metrics import unweighted_accuracy

    train_rows = E if train_rows is None else train_rows
    validation = groups == train_speakers[-1]
    train = np.isin(groups, train_speakers[:-1])
    X_train, y_train = _with_copies(train_rows[train], y[train], copies, train)
    if extra is not None:
        X_train, y_train = np.concatenate([X_train, extra[0]]), np.concatenate([y_train,
                                                                                extra[1]])
    test = np.isin(groups, test_speakers)
    X_val, y_val = _with_copies(E[validation], y[validation], copies, validation)
    proba = head.fit_predict_proba(X_train, y_train, X_val, y_val, E[test])
    predicted = np.asarray(LABELS)[np.argmax(proba, axis=1)]
    return np.array([unweighted_accuracy(y[test][groups[test] == speaker],
                                         predicted[groups[test] == speaker])
                     for speaker in test_speakers])


def _with_copies(X_train, y_train, copies, train):
    """The rows (training or validation) followed by each copy's rows of the same clips."""
    if not len(copies):
        return X_train, y_train
    return (np.concatenate([X_train, *(copy[train] for copy in copies)]),
            np.tile(y_train, 1 + len(copies)))


def halves(groups):
    """The sorted speaker ids in two halves (the first gets one fewer when odd)."""
    speakers = np.unique(groups)
    return speakers[: len(speakers) // 2], speakers[len(speakers) // 2:]


class Head:
    """One way of fitting a head on ``n_views`` blocks and predicting test probabilities."""

    def __init__(self, kind, seed, n_views, **params):
        self.kind, self.seed, self.n_views, self.params = kind, seed, n_views, params

    def fit_predict_proba(self, X, y, X_val, y_val, X_test):
        from sklearn.base import clone
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        from skser.classification import FocalLossClassifier

        if self.kind == "logistic":
            def rows(E):
                return np.concatenate(np.split(E, self.n_views, axis=1))

            model = make_pipeline(StandardScaler(), LogisticRegression(
                C=0.01, class_weight="balanced", max_iter=3000))
            model.fit(rows(X), np.tile(y, self.n_views))
            views = np.split(X_test, self.n_views, axis=1)
            return np.mean([model.predict_proba(view) for view in views], axis=0)
        model = FocalLossClassifier(n_views=self.n_views, random_state=self.seed, **self.params)
        if self.kind == "no stop":
            return model.set_params(early_stopping=False).fit(X, y).predict_proba(X_test)
        if self.kind == "refit":
            first = clone(model).set_params(n_ensemble=1).fit(X, y, X_val=X_val, y_val=y_val)
            model.set_params(early_stopping=False, max_iter=max(first.best_epoch_, 2))
            X, y = np.concatenate([X, X_val]), np.concatenate([y, y_val])
            return model.fit(X, y).predict_proba(X_test)  # no monitoring of its own rows
        return model.fit(X, y, X_val=X_val, y_val=y_val).predict_proba(X_test)


CANDIDATES = {
    "default": dict(),
    "studio": dict(views=STUDIO_VIEWS),
    "no dynamics": dict(columns=slice(0, len(acoustic_feature_names()))),
    "one speed": dict(views=(0, TELEPHONE_VIEW)),
    "five speeds": dict(views=(0, 1, 2, 3, 4, TELEPHONE_VIEW)),
    "one head": dict(params={"n_ensemble": 1}),
    "wider head": dict(params={"hidden_layer_sizes": (512,), "dropout": 0.5}),
    "+ other corpus": dict(extra=True),
    "no early stopping": dict(kind="no stop"),
    "refit + validation": dict(kind="refit"),
    "logistic C=0.01": dict(kind="logistic"),
    "paper augmentation": dict(rows="paper"),
    "noise augmentation": dict(rows="noise"),
    "channel copies": dict(copies=True),
    "+ raw spectra": dict(features="both", views=STUDIO_VIEWS),
    "+ eGeMAPS (raw clips)": dict(fuse="raw", views=STUDIO_VIEWS),
    "+ eGeMAPS (raw), -20 dB": dict(fuse="raw", test="quiet", views=STUDIO_VIEWS),
    "+ eGeMAPS (front end)": dict(fuse="front", views=STUDIO_VIEWS),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--candidates", nargs="+", choices=list(CANDIDATES),
                        default=list(CANDIDATES))
    parser.add_argument("--n-jobs", type=int, default=2, help="folds fitted in parallel")
    args = parser.parse_args()
    for name in ("ravdess", "emodb"):
        if not (args.data / name).is_dir():
            sys.exit(f"shared {name} not found under {args.data}: pass --data")

    from sklearn.pipeline import make_pipeline

    from skser.datasets import load_emodb, load_ravdess
    from skser.io import AudioLoader, as_batch
    from skser.pipeline import NOISE_MARGIN_DB, noise_augmenter
    from skser.preprocessing import PeakNormalizer, PreEmphasis, Trimmer, WaveformAugmenter

    fusing = [name for name in args.candidates if "fuse" in CANDIDATES[name]]
    if fusing:
        try:
            import opensmile  # noqa: F401
        except ImportError:
            print(f"opensmile is not installed: skipping {', '.join(fusing)}\n")
            args.candidates = [name for name in args.candidates if name not in fusing]
            fusing = []

    start = time.perf_counter()
    corpora = {}
    for name, loader in [("RAVDESS", load_ravdess), ("EmoDB", load_emodb)]:
        bunch = loader(args.data / name.lower(), labels="emotion4")
        X = AudioLoader(n_jobs=2).transform(bunch.filenames)
        y, groups = np.asarray(bunch.target), np.asarray(bunch.groups)
        pick = np.random.default_rng(0).uniform(size=len(y)) < 0.5
        clean = embed(X)
        both = fuse(clean, blocks(embed(X, denoise=False), STUDIO_VIEWS))
        paper = embed(X, WaveformAugmenter(random_state=0), groups=groups)
        noise = embed(X, noise_augmenter(random_state=0), before_trim=True, groups=groups)
        corpora[name] = dict(X=clean, y=y, groups=groups, both=both,
                             paper=np.where(pick[:, None], paper, clean),
                             noise=np.where(pick[:, None], noise, clean))
        if any(CANDIDATES[candidate].get("copies") for candidate in args.candidates):
            corpora[name]["copies"] = [embed(copy) for copy in channel_copies(X, y, groups)]
        if fusing:
            X = as_batch(X)
            quiet = X * np.float32(10 ** (-20 / 20))
            front = make_pipeline(Trimmer(top_db=20, noise_margin_db=NOISE_MARGIN_DB),
                                  PreEmphasis(coef=0.97),
                                  PeakNormalizer(peak=0.95)).fit_transform(X)
            corpora[name].update(
                raw=fuse(clean, egemaps(X)), front=fuse(clean, egemaps(front)),
                quiet=fuse(embed(quiet), egemaps(quiet)))
    print(f"embedded (each clip at five speeds and through a telephone line, the same of "
          f"its raw spectra, and two "
          f"augmented copies"
          f"{'; two channel copies of each' if 'copies' in corpora[name] else ''}"
          f"{'; eGeMAPS of raw, quiet and front-end clips' if fusing else ''}) in "
          f"{time.perf_counter() - start:.0f} s\n")

    print("Candidates, leave-one-speaker-out within each half of the speakers (UA % mean "
          "± std over folds per head seed, and the mean over seeds):\n")
    header = f"{'candidate':22s} {'corpus':8s} {'half':9s} " + " ".join(
        f"{'seed ' + str(seed):>12s}" for seed in args.seeds) + f" {'mean':>6s}"
    print(header + "\n" + "-" * len(header))
    table, means = [], {}
    for candidate in args.candidates:
        for corpus, data in corpora.items():
            for half in halves(data["groups"]):
                scores = {seed: evaluate(candidate, corpus, corpora, seed, n_jobs=args.n_jobs,
                                         within=half)
                          for seed in _seeds(candidate, args.seeds)}
                cells = [f"{100 * v.mean():.1f} ± {100 * v.std():.1f}" for v in scores.values()]
                cells += ["(deterministic)"] * (len(args.seeds) - len(scores))
                means[candidate, corpus, _name(half)] = np.mean([v.mean() for v in
                                                                 scores.values()])
                print(f"{candidate:22s} {corpus:8s} {_name(half):9s} "
                      + " ".join(f"{c:>12s}" for c in cells)
                      + f" {100 * means[candidate, corpus, _name(half)]:6.1f}", flush=True)
                table.append({"candidate": candidate, "corpus": corpus, "half": _name(half),
                              **{f"UA % seed {seed}": cell for seed, cell in
                                 zip(args.seeds, cells)},
                              "mean UA %": round(100 * means[candidate, corpus, _name(half)],
                                                 1)})

    print("\nChosen on one half, reported on the other (UA % mean ± std over the other "
          "half's speakers, mean over seeds):\n")
    header = (f"{'corpus':8s} {'chosen on':9s} {'candidate':22s} {'reported on':11s} "
              f"{'LOSO there':>12s} {'trained on chooser':>19s}")
    print(header + "\n" + "-" * len(header))
    nested = []
    for corpus, data in corpora.items():
        for chooser, reported in (halves(data["groups"]), halves(data["groups"])[::-1]):
            best = max(args.candidates, key=lambda c: means[c, corpus, _name(chooser)])
            for candidate in dict.fromkeys([best, "default"]):
                seeds = _seeds(candidate, args.seeds)
                within = [evaluate(candidate, corpus, corpora, seed, n_jobs=args.n_jobs,
                                   within=reported) for seed in seeds]
                across = [evaluate(candidate, corpus, corpora, seed, n_jobs=args.n_jobs,
                                   across=(chooser, reported)) for seed in seeds]
                cells = [f"{100 * np.mean([v.mean() for v in runs]):.1f} ± "
                         f"{100 * np.mean([v.std() for v in runs]):.1f}"
                         for runs in (within, across)]
                label = candidate + (" (chosen)" if candidate == best else "")
                print(f"{corpus:8s} {_name(chooser):9s} {label:22s} {_name(reported):11s} "
                      f"{cells[0]:>12s} {cells[1]:>19s}", flush=True)
                nested.append({"corpus": corpus, "chosen on": _name(chooser),
                               "candidate": label, "reported on": _name(reported),
                               "LOSO there, UA %": cells[0],
                               "trained on the choosing half, UA %": cells[1]})
    print(f"\nTotal {time.perf_counter() - start:.0f} s")
    write_record(__file__, {
        "candidates: UA % within each half (mean ± std over folds) per head seed": table,
        "chosen on one half, reported on the other": nested})


def _seeds(candidate, seeds):
    return seeds if CANDIDATES[candidate].get("kind") != "logistic" else seeds[:1]


def _name(speakers):
    """A half of the speakers as the table names it: ``01-06``."""
    ids = [str(s).split(":")[-1] for s in speakers]
    return f"{ids[0]}-{ids[-1]}"


def evaluate(candidate, corpus, corpora, seed, *, n_jobs=2, within=None, across=None):
    """One candidate's per-speaker UA with one head seed: leave-one-speaker-out among the
    speakers ``within``, or trained on ``across[0]`` and tested on ``across[1]``."""
    spec = CANDIDATES[candidate]
    kind, views = spec.get("kind", "focal"), spec.get("views", DEFAULT_VIEWS)
    data = corpora[corpus]
    other = corpora["EmoDB" if corpus == "RAVDESS" else "RAVDESS"]
    fused, rows = spec.get("fuse"), data.get(spec.get("rows"))
    head = Head(kind, seed, len(views), **spec.get("params", {}))
    if "features" in spec:
        E, train_rows = data[spec["features"]], None
    elif fused:
        E, train_rows = data[spec.get("test", fused)], data[fused]
    else:
        E = blocks(data["X"], views, spec.get("columns", slice(None)))
        train_rows = None if rows is None else blocks(rows, views)
    extra = (blocks(other["X"], views), other["y"]) if spec.get("extra") else None
    copies = [blocks(copy, views) for copy in data["copies"]] if spec.get("copies") else []
    y, groups = data["y"], data["groups"]
    if across is not None:
        return transfer(E, y, groups, head, *across, train_rows=train_rows, extra=extra,
                        copies=copies)
    keep = np.isin(groups, within)
    return loso(E[keep], y[keep], groups[keep], head,
                train_rows=None if train_rows is None else train_rows[keep], extra=extra,
                n_jobs=n_jobs, copies=[copy[keep] for copy in copies])


if __name__ == "__main__":
    main()
