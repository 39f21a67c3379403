"""The ``skser`` command: demo, train, evaluate, embed, predict, export, analyze, info,
enroll, distill, cache.

One module per command, each with ``add_parser(commands)`` and ``run(args)``; what several
commands share lives in leaf modules that import no command (``_options`` for the parser,
``_shared`` for the work). Building the parser imports none of skser's estimators: each
command imports what it needs when it runs, so ``skser --help`` is quick and an ``.onnx``
``predict`` loads no training stack of its own.

Every failure (a skser error, a missing optional package, a model that cannot be loaded)
is one line on stderr and exit status 2, never a traceback (``SKSER_DEBUG=1`` shows it).
With ``--json``, stdout holds the JSON alone; messages and progress bars go to stderr.
"""

import argparse
import sys
import warnings

from .. import __version__
from . import (
    _analyze,
    _cache,
    _demo,
    _distill,
    _embed,
    _enroll,
    _evaluate,
    _export,
    _info,
    _predict,
    _train,
)
from ._errors import run_command

__all__ = ["build_parser", "main"]

# In the order ``skser --help`` lists them.
COMMANDS = (_demo, _train, _evaluate, _embed, _predict, _export, _analyze, _info, _enroll,
            _distill, _cache)


def build_parser():
    """The ``skser`` argument parser, one sub-parser per command."""
    parser = argparse.ArgumentParser(
        prog="skser", description="Speech emotion recognition with scikit-learn estimators."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}",
                        help="print skser's version and exit")
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


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
