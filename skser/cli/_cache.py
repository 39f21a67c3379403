"""``skser cache info`` and ``skser cache clear``: the embedding cache on disk."""


def _size(n_bytes):
    for unit in ("B", "kB", "MB", "GB"):
        if n_bytes < 1000 or unit == "GB":
            return f"{n_bytes:.0f} {unit}" if unit == "B" else f"{n_bytes:.1f} {unit}"
        n_bytes /= 1000


def add_cache_command(commands):
    """Register ``skser cache {info,clear}`` on the sub-command parsers."""
    from ..pipeline import default_cache_dir

    command = commands.add_parser("cache", help="show or clear the embedding cache")
    command.add_argument("action", choices=("info", "clear"))
    command.add_argument("--cache", default=default_cache_dir(),
                         help="the cache folder (default: %(default)s)")
    command.set_defaults(run=cache)


def cache(args):
    from ..embedding import cache_info, clear_cache

    if args.action == "clear":
        info = clear_cache(args.cache)
        print(f"removed {info['entries']} cached embeddings ({_size(info['bytes'])}) "
              f"from {info['folder']}")
        return 0
    info = cache_info(args.cache)
    print(f"{info['folder']}: {info['entries']} cached embeddings, {_size(info['bytes'])}, "
          f"{info['namespaces']} embedder configuration(s)")
    return 0
