"""The ``skser`` command: train, evaluate, predict, export, analyze, enroll, distill, embed,
demo, cache.

Every failure (a skser error, a missing optional package, a model that cannot be loaded)
is one line on stderr and exit status 2, never a traceback (``SKSER_DEBUG=1`` shows it).
With ``--json``, stdout holds the JSON alone; messages go to stderr.
"""

import argparse
import sys
import warnings

from .. import __version__
from ._cache import add_cache_command
from ._commands import analyze, evaluate, export, predict, train
from ._data import CORPORA
from ._demo import demo
from ._distill import add_distill_parser
from ._embed import add_embed_parser, add_speeds_option, n_jobs_type
from ._errors import run_command
from ._speakers import add_enroll_parser

__all__ = ["build_parser", "main"]


def _whole_number(minimum):
    """An argparse type: a whole number of at least ``minimum``, else a message naming it."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(
                f"expected a whole number of at least {minimum}, got {text!r}")
        return value

    return parse


def _data_options(parser):
    from ..pipeline import EMBEDDERS, default_cache_dir

    data = parser.add_argument_group("data")
    data.add_argument("--corpus", choices=CORPORA, default="synthetic",
                      help="the corpus (default: synthetic, which needs no download)")
    data.add_argument("--root", help="the corpus folder (official layout)")
    data.add_argument("--labels", choices=("emotion4", "all"), default="emotion4",
                      help="emotion4: angry, happy, neutral, sad (the paper's); all: every "
                           "class of the corpus (default: %(default)s)")
    data.add_argument("--extra-train-corpus", choices=CORPORA,
                      help="a second corpus used for training only")
    data.add_argument("--extra-root", help="the folder of --extra-train-corpus")
    data.add_argument("--speakers", type=int, default=8, help="synthetic corpus: speakers")
    data.add_argument("--clips-per-class", type=int, default=10,
                      help="synthetic corpus: clips per class and speaker")
    model = parser.add_argument_group("model")
    model.add_argument("--embedder", choices=EMBEDDERS, default="weight-free",
                       help="weight-free: acoustic statistics, no download; distilhubert: "
                            "the frozen encoder (weights: --model) (default: %(default)s)")
    model.add_argument("--model", default="ntu-spml/distilhubert",
                       help="DistilHuBERT weights: a Hugging Face hub id or a local folder")
    model.add_argument("--local-files-only", action="store_true",
                       help="never reach the network for the weights")
    model.add_argument("--augment", nargs="?", choices=("paper", "noise"), const="paper",
                       default=False, help="training-only waveform augmentation: the "
                       "paper's (the default with no value) or noise-aware")
    model.add_argument("--noisy-copies", type=_whole_number(0), default=0, metavar="N",
                       help="train also on N noisy copies of each training clip (white "
                       "noise or babble at 10-40 dB SNR, or a -70..-50 dBFS floor); "
                       "validation and test clips stay as recorded (default: 0)")
    add_speeds_option(model)
    model.add_argument("--heads", type=_whole_number(1), metavar="N",
                       help="heads trained from different seeds and averaged (default: the "
                            "head's own, 5); 1 trains one head, about five times faster")
    model.add_argument("--cache", default=default_cache_dir(),
                       help="per-clip embedding cache folder (default: %(default)s)")
    model.add_argument("--seed", type=int, default=0,
                       help="random seed of the head, the augmentation and the synthetic "
                            "corpus (default: %(default)s)")
    model.add_argument("--n-jobs", type=n_jobs_type, default=None,
                       help="parallel folds / decoding (-1: every core)")
    model.add_argument("--verbose", action="store_true", help="progress bars while embedding")


def _task_option(parser):
    parser.add_argument("--task", choices=("categorical", "dimensional"), default="categorical",
                        help="emotion classes, or arousal/valence/dominance (category-derived "
                        "proxies; IEMOCAP's own ratings)")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="skser", description="Speech emotion recognition with scikit-learn estimators."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}",
                        help="print skser's version and exit")
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")

    command = commands.add_parser(
        "demo", help="evaluate, train, export, predict and analyze a voice note, end to end"
    )
    _data_options(command)
    command.add_argument("--out", default="skser-demo", help="output folder")
    command.set_defaults(run=demo)

    command = commands.add_parser("train", help="fit the default pipeline and save it")
    _data_options(command)
    _task_option(command)
    command.add_argument("--out", required=True, help="model.joblib to write")
    _adapt_option(command)
    command.add_argument("--features", help="train the head on a table from skser embed")
    command.set_defaults(run=train)

    command = commands.add_parser("evaluate", help="leave-one-session-out evaluation report")
    _data_options(command)
    _task_option(command)
    command.add_argument("--report", help="also write the report here (.md or .html)")
    _adapt_option(command)
    command.add_argument("--features", help="evaluate the head on a table from skser embed")
    command.set_defaults(run=evaluate)

    add_embed_parser(commands)

    command = commands.add_parser("predict", help="label audio files with a saved model")
    command.add_argument("model", help="a .joblib pipeline or an .onnx export")
    command.add_argument("files", nargs="+", help="audio files")
    command.add_argument("--json", action="store_true", help="JSON instead of lines")
    command.add_argument("--speakers", help="CSV with columns path,speaker (speaker-adapted "
                         "model): each speaker standardised by their enrolled or own clips")
    command.add_argument("--speaker-stats", help="enrolled speakers' statistics (.json)")
    command.set_defaults(run=predict)

    command = commands.add_parser("export", help="write a saved pipeline as one ONNX graph")
    command.add_argument("model", help="a .joblib pipeline")
    command.add_argument("--out", required=True, help="model.onnx to write")
    command.add_argument("--quantize", choices=("int8", "int8-dynamic", "int8-static"),
                         help="8-bit weights for the encoder and the head: int8 is "
                              "int8-static, which needs --calibration; int8-dynamic needs "
                              "none (default: float32)")
    command.add_argument("--calibration", nargs="*", metavar="DIR_OR_FILE",
                         help="audio files or folders to calibrate int8-static with "
                              "(up to 64 clips are used)")
    command.set_defaults(run=export)

    command = commands.add_parser("analyze", help="one verdict and a timeline for a long note")
    command.add_argument("model", help="a .joblib pipeline or an .onnx export")
    command.add_argument("file", help="the voice note (any length)")
    command.add_argument("--vad", choices=("energy", "silero", "none"), default="energy",
                         help="voice activity detector: energy (numpy), silero (needs the "
                              "silero-vad package's model file) or none (default: "
                              "%(default)s)")
    command.add_argument("--window", type=float, default=8.0, help="window length, seconds")
    command.add_argument("--aggregation", choices=("mean", "duration", "confidence"),
                         default="mean",
                         help="how window probabilities make the verdict: their mean, or "
                              "weighted by duration or by confidence (default: %(default)s)")
    command.add_argument("--plot", help="write the timeline picture here (.png)")
    command.add_argument("--json", action="store_true", help="JSON instead of a table")
    command.add_argument("--speaker-stats", help="the speaker's enrolled statistics (.json; "
                         "speaker-adapted model)")
    command.add_argument("--speaker", help="which speaker of --speaker-stats")
    command.set_defaults(run=analyze)

    add_enroll_parser(commands)
    add_distill_parser(commands)
    add_cache_command(commands)
    return parser


def _adapt_option(command):
    command.add_argument(
        "--adapt", choices=("speaker",),
        help="speaker adaptation: a SpeakerNormalizer before the head (evaluate: reported "
        "next to the plain protocol, transductive on each test speaker's unlabeled clips)",
    )


def _one_line_warning(message, category, filename, lineno, line=None):
    return f"skser: warning: {message}\n"


def main(argv=None):
    """Run the ``skser`` command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    # One line per warning, without the source line that raised it.
    warnings.formatwarning = _one_line_warning
    if getattr(args, "extra_train_corpus", None) and args.extra_train_corpus != "synthetic" \
            and not args.extra_root:
        parser.error("--extra-root is needed with --extra-train-corpus")
    return run_command(args.run, args)


if __name__ == "__main__":
    sys.exit(main())
