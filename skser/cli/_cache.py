"""``skser cache info`` and ``skser cache clear``: the embedding cache on disk."""

import sys

from ..pipeline import default_cache_dir
from ._errors import EXIT_ERROR

__all__ = ["add_parser", "run"]


def _size(n_bytes):
    for unit in ("B", "kB", "MB", "GB"):
        if n_bytes < 1000 or unit == "GB":
            return f"{n_bytes:.0f} {unit}" if unit == "B" else f"{n_bytes:.1f} {unit}"
        n_bytes /= 1000


def add_parser(commands):
    """Add ``cache {info,clear}`` to ``commands`` (an argparse subparsers object)."""
    command = commands.add_parser("cache", help="show or clear the embedding cache")
    command.add_argument("action", choices=("info", "clear"),
                         help="info: show what the cache holds; clear: delete it")
    command.add_argument("--cache", default=default_cache_dir(),
                         help="the cache folder (default: %(default)s)")
    command.set_defaults(run=run)
    return command


def run(args):
    """Print what the cache holds, or delete it."""
    from ..embedding import cache_info, clear_cache

    if args.action == "clear":
        info = clear_cache(args.cache)
        print(f"removed {info['removed_entries']} of {info['entries']} cached embeddings "
              f"({_size(info['removed_bytes'])}) from {info['folder']}")
        for path, reason in info["failed"]:
            print(f"skser: error: could not remove {path}: {reason}", file=sys.stderr)
        return EXIT_ERROR if info["failed"] else 0
    info = cache_info(args.cache)
    print(f"{info['folder']}: {info['entries']} cached embeddings, {_size(info['bytes'])}, "
          f"{info['namespaces']} embedder configuration(s)")
    return 0
