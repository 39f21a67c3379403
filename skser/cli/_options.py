"""Options several ``skser`` commands share, and the lists their choices come from.

A light leaf: it imports argparse and :mod:`skser.pipeline`'s constants, never skser's
estimators, scikit-learn or torch, so ``skser --help`` starts in a fraction of a second.
"""

import argparse

from ..pipeline import EMBEDDERS, default_cache_dir

# NoisyCopies' kinds (skser.preprocessing is not imported here: it imports scikit-learn).
COPY_KINDS = ("white", "babble", "floor", "telephone", "gsm", "room")

__all__ = [
    "CORPORA",
    "DATA_HELP",
    "LOADERS",
    "PICKLE_WARNING",
    "add_adapt_option",
    "add_data_options",
    "add_progress_options",
    "add_speeds_option",
    "add_task_option",
    "add_user_data_options",
    "check_min_confidence_option",
    "model_help",
    "n_jobs_type",
    "speeds_argument",
    "channels_argument",
    "add_channels_option",
    "whole_number",
]

# Loader names in skser.datasets, imported on use: predict and analyze on an .onnx model
# run in the deployment install, which has no scikit-learn.
LOADERS = {
    "ravdess": "load_ravdess",
    "emodb": "load_emodb",
    "crema-d": "load_crema_d",
    "iemocap": "load_iemocap",
}
CORPORA = ("synthetic", *LOADERS)
# Said by every command that loads a .joblib model.
PICKLE_WARNING = ("a .joblib file is a pickle, which runs code when it is loaded: load "
                  "only files from a source you trust")


def model_help(what="a .joblib pipeline or an .onnx export"):
    """The help of a MODEL argument that may be a pickle: what it is, and the warning."""
    return f"{what}; {PICKLE_WARNING}"


def whole_number(minimum, maximum=None):
    """An argparse type: a whole number of at least ``minimum`` (and at most ``maximum``),
    else a message naming it."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"of at least {minimum}" if maximum is None else \
                f"from {minimum} to {maximum}"
            raise argparse.ArgumentTypeError(f"expected a whole number {bound}, got {text!r}")
        return value

    return parse


def check_min_confidence_option(args):
    """Refuse ``--min-confidence`` outside [0, 1] (NaN too) before a model is loaded."""
    value = getattr(args, "min_confidence", None)
    if value is not None and not 0.0 <= value <= 1.0:
        raise ValueError(f"--min-confidence {value}: min_confidence must be a probability in "
                         "[0, 1], the top class probability under which a clip is "
                         "'uncertain'")


def copies_type(text):
    """``--noisy-copies``: ``"auto"`` or a whole number of at least 0."""
    return "auto" if text == "auto" else whole_number(0)(text)


# The longest duration an option takes (--window, --crop), a day: longer ones overflow once
# counted in samples.
MAX_SECONDS = 86400.0
# --heads: each head is a fit of its own; more than this is a slip of the keyboard.
MAX_HEADS = 100
# numpy's seeds are below 2**32; a second corpus is seeded with --seed + 1.
MAX_SEED = 2**32 - 2


def heads_type(text):
    """``--heads``: a whole number from 1 to MAX_HEADS (argparse type)."""
    value = whole_number(1)(text)
    if value > MAX_HEADS:
        raise argparse.ArgumentTypeError(f"expected at most {MAX_HEADS} heads (each is "
                                         f"trained in turn), got {text!r}")
    return value


def n_jobs_type(text):
    """``--n-jobs``: a number of workers, or -1 for every core (argparse type)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value == 0:
        raise argparse.ArgumentTypeError(
            f"expected a number of workers (1 or more, or -1 for every core), got {text!r}"
        )
    return value


def add_speeds_option(parser):
    """``--speeds``: the weight-free embedder's speed views (``make_ser_pipeline(speeds=)``)."""
    parser.add_argument(
        "--speeds", nargs="+", default=["auto"], metavar="SPEED",
        help="weight-free embedder: also embed each clip at these speeds, e.g. 0.9 1.1 "
             "(auto: 0.9 1.1 for emotion classes; none: each clip once, three times "
             "faster) (default: auto)")


def add_channels_option(parser):
    """``--channels``: the weight-free embedder's channel views (``make_ser_pipeline``'s)."""
    parser.add_argument(
        "--channels", choices=("auto", "telephone", "none"), default="auto",
        help="weight-free embedder: also embed each clip as heard through a telephone line "
             "(300-3400 Hz, G.711 mu-law), one more view the head trains on and averages "
             "over, so phone calls do not collapse onto one class (auto: telephone for "
             "emotion classes; none: studio recordings only, a view less to compute) "
             "(default: auto)")


def channels_argument(args):
    """``--channels`` as ``make_ser_pipeline``'s ``channels``."""
    value = getattr(args, "channels", "auto")
    return {"auto": "auto", "none": ()}.get(value, (value,))


def speeds_argument(args):
    """``--speeds`` as ``make_ser_pipeline``'s ``speeds``: ``"auto"`` or a tuple of floats."""
    values = getattr(args, "speeds", ["auto"])
    if values in (["auto"], ["none"]):
        return "auto" if values == ["auto"] else ()
    try:
        speeds = tuple(float(value) for value in values)
    except ValueError:
        raise ValueError(f"--speeds takes auto, none or numbers such as 0.9 1.1, got "
                         f"{' '.join(values)}") from None
    from ..embedding import check_speeds  # (imports torch: called at run time only)

    try:
        check_speeds(speeds)
    except ValueError as exc:  # named by the option, not the embedder's parameter
        raise ValueError(f"--speeds {' '.join(values)}: {exc}") from None
    return speeds


def add_progress_options(parser, *, verbose=True, shown="by default"):
    """``--quiet``, and ``--verbose`` where old scripts pass it: progress on stderr or not.

    Progress is shown ``shown`` (by default), on stderr only: with ``--json``, stdout
    stays JSON. Both set ``args.verbose``; ``verbose=False`` adds ``--quiet`` alone.
    """
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quiet", dest="verbose", action="store_false",
                       help=f"no progress bars (on stderr, shown {shown})")
    if verbose:
        group.add_argument("--verbose", dest="verbose", action="store_true",
                           help="progress bars on stderr: the default, accepted for scripts "
                                "written before --quiet")
    parser.set_defaults(verbose=True)


DATA_HELP = ("your own corpus: a manifest (.csv, .tsv, .jsonl, .parquet) or a folder (a "
             "sub-folder per class, or Hugging Face's metadata.csv)")


def add_user_data_options(data, *, speakers=True, data_option=True):
    """``--data`` (a folder or a manifest of the user's own) and the options reading it;
    ``data_option=False`` leaves ``--data`` itself to the caller (in a group of sources)."""
    if data_option:
        data.add_argument("--data", metavar="PATH", help=DATA_HELP)
    data.add_argument("--path-column", default="path",
                      help="--data manifest: the column of audio paths, relative to the "
                           "manifest (default: %(default)s)")
    data.add_argument("--label-column", default="label",
                      help="--data: the column of classes (default: %(default)s)")
    if speakers:
        data.add_argument("--speaker-column",
                          help="--data: the column of speaker ids (default: 'speaker' where "
                               "present)")
        data.add_argument("--session-column",
                          help="--data: the column of session ids, the evaluation's groups "
                               "(default: 'session' where present, else the speakers)")
    data.add_argument("--label-map", metavar="MAP",
                      help="--data: rename labels, a .json object or a two-column .csv "
                           "(label,class); every label must then be in it")
    data.add_argument("--classes", nargs="+", metavar="CLASS",
                      help="--data: keep only these classes")
    data.add_argument("--skip-unreadable", action="store_true",
                      help="--data: go on without missing or unreadable files (counted), "
                           "instead of an error listing them all")


def add_data_options(parser):
    """The corpus and model options of ``demo``, ``train`` and ``evaluate``."""
    data = parser.add_argument_group("data")
    data.add_argument("--corpus", choices=CORPORA, default="synthetic",
                      help="the corpus (default: synthetic, which needs no download)")
    data.add_argument("--root", help="the corpus folder (official layout)")
    add_user_data_options(data)
    data.add_argument("--targets", nargs="+", metavar="COLUMN",
                      help="--data with --task dimensional: the columns of numeric ratings "
                           "(e.g. arousal valence dominance)")
    data.add_argument("--allow-no-speakers", action="store_true",
                      help="--data without speaker ids: evaluate on random folds of clips "
                           "(NOT speaker-independent: every report says so) instead of "
                           "refusing")
    data.add_argument("--labels", choices=("emotion4", "all"),
                      help="emotion4: angry, happy, neutral, sad (the paper's); all: every "
                           "class (default: emotion4 for a --corpus, all for --data)")
    data.add_argument("--extra-train-corpus", choices=CORPORA,
                      help="a second corpus used for training only")
    data.add_argument("--extra-root", help="the folder of --extra-train-corpus")
    data.add_argument("--extra-train-data", metavar="PATH",
                      help="a second corpus of your own (folder or manifest, read with the "
                           "--data options) used for training only")
    data.add_argument("--data-license", metavar="TEXT",
                      help="the licence of the training data, recorded in the model card")
    data.add_argument("--speakers", type=whole_number(1), default=8,
                      help="synthetic corpus: speakers")
    data.add_argument("--clips-per-class", type=whole_number(1), default=10,
                      help="synthetic corpus: clips per class and speaker")
    model = parser.add_argument_group("model")
    model.add_argument("--embedder", choices=EMBEDDERS, default="weight-free",
                       help="weight-free: acoustic statistics, no download; distilhubert: "
                            "the paper's frozen encoder; ssl: any wav2vec2, HuBERT, WavLM, "
                            "data2vec-audio or Whisper encoder (weights: --model) (default: "
                            "%(default)s)")
    model.add_argument("--model",
                       help="the encoder's weights for --embedder distilhubert or ssl: a "
                            "Hugging Face hub id or a local folder (default: "
                            "ntu-spml/distilhubert; microsoft/wavlm-base-plus for ssl)")
    model.add_argument("--local-files-only", action="store_true",
                       help="never reach the network for the weights")
    model.add_argument("--augment", nargs="?", choices=("paper", "noise"), const="paper",
                       default=False, help="training-only waveform augmentation: the "
                       "paper's (the default with no value) or noise-aware")
    model.add_argument("--noisy-copies", type=copies_type, default="auto", metavar="N",
                       help="train also on N noisy copies of each training clip (see "
                       "--copy-kinds), and validate early stopping and calibration on N "
                       "copies of each validation clip too; test clips stay as recorded. "
                       "auto: 2 copies, each a telephone line, a room or noise at 0-30 dB SNR, for "
                       "the weight-free emotion classes model trained from audio, else "
                       "none; 0: none (default: auto)")
    model.add_argument("--copy-kinds", nargs="+", choices=COPY_KINDS, metavar="KIND",
                       help="what the noisy copies hear, each copy one kind: "
                       f"{', '.join(COPY_KINDS)} (telephone: an 8 kHz G.711 line; gsm: a GSM "
                       "06.10 mobile line; room: RT60 0.2-1.0 s) (default: all but gsm with "
                       "auto copies, else white babble floor)")
    add_speeds_option(model)
    add_channels_option(model)
    model.add_argument("--heads", type=heads_type, metavar="N",
                       help="heads trained from different seeds and averaged (default: the "
                            "head's own, 5; at most 100); 1 trains one head, about five "
                            "times faster")
    model.add_argument("--cache", default=default_cache_dir(),
                       help="per-clip embedding cache folder (default: %(default)s)")
    model.add_argument("--seed", type=whole_number(0, MAX_SEED), default=0,
                       help="random seed of the head, the augmentation and the synthetic "
                            "corpus (default: %(default)s)")
    model.add_argument("--n-jobs", type=n_jobs_type, default=None,
                       help="parallel folds / decoding (-1: every core)")
    add_progress_options(model)


def add_task_option(parser):
    """``--task``: emotion classes or dimensions."""
    parser.add_argument("--task", choices=("categorical", "dimensional"), default="categorical",
                        help="emotion classes, or arousal/valence/dominance (category-derived "
                        "proxies; IEMOCAP's own ratings)")


def add_adapt_option(parser):
    """``--adapt speaker``: a SpeakerNormalizer before the head."""
    parser.add_argument(
        "--adapt", choices=("speaker",),
        help="speaker adaptation: a SpeakerNormalizer before the head (evaluate: reported "
        "next to the plain protocol, transductive on each test speaker's unlabeled clips)",
    )
