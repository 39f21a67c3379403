"""A corpus as a table of embeddings: the front that ``skser embed`` runs, and the table
that ``skser train/evaluate --features`` read back. A leaf: it imports no command module."""

from ._data import Corpus
from ._options import channels_argument, speeds_argument
from ._shared import head_params

__all__ = ["embedder_channels", "embedder_speeds", "features_corpus", "features_head", "front",
           "table_channels", "table_speeds"]


def front(embedder, model, local_files_only, cache=None, speeds="auto", dynamics=None,
          channels="auto"):
    """The default pipeline's waveform steps and embedder (no file loader, no head).

    ``dynamics`` overrides the weight-free embedder's (None keeps the default's).
    """
    from ..pipeline import make_ser_pipeline

    pipe = make_ser_pipeline(embedder=embedder, model=model, local_files_only=local_files_only,
                             memory=cache, speeds=speeds, channels=channels)
    if dynamics is not None and embedder == "weight-free":
        pipe[-2].set_params(dynamics=dynamics)
    return pipe[1:-1]


def embedder_speeds(front):
    """The speeds of the front's embedder: ``()`` for DistilHuBERT or one speed."""
    return tuple(float(speed) for speed in getattr(front[-1], "speeds", ()))


def embedder_channels(front):
    """The channel views of the front's embedder: ``()`` for DistilHuBERT or none."""
    return tuple(getattr(front[-1], "channels", ()))


# Options --features cannot honour: the table is already embedded, and its head is the
# default categorical one. option -> (argument, the default that leaves it unused).
_FEATURES_IGNORE = {
    "--corpus": ("corpus", "synthetic"), "--extra-root": ("extra_root", None),
    "--embedder": ("embedder", "weight-free"), "--model": ("model", None),
    "--augment": ("augment", False), "--task dimensional": ("task", "categorical"),
    "--adapt": ("adapt", None), "--noisy-copies": ("noisy_copies", "auto"),
    "--copy-kinds": ("copy_kinds", None),
}


def features_corpus(args):
    """The ``--features`` table as a Corpus of feature rows, and how it was embedded."""
    from ..embedding import load_embeddings

    if args.root or args.extra_train_corpus:
        raise ValueError("--features replaces --corpus/--root and --extra-train-corpus: "
                         "embed those with skser embed")
    ignored = [option for option, value in _FEATURES_IGNORE.items()
               if getattr(args, value[0], value[1]) != value[1]]
    if ignored:
        raise ValueError(
            f"--features trains the default head on the table as embedded; {', '.join(ignored)} "
            "cannot apply to it: drop them, or train from the audio without --features"
        )
    data = load_embeddings(args.features)
    if data.target is None or data.groups is None:
        raise ValueError(f"{args.features} has no label and group columns (embedded with "
                         "--files?): embed a corpus with skser embed --corpus NAME --root DIR")
    name = data.metadata.get("corpus", "features")
    speakers = data.groups if data.speakers is None else data.speakers
    corpus = Corpus(name, data.data, data.target, data.groups, speakers, data.paths)
    print(f"{corpus.describe()}, {data.data.shape[1]} features from {args.features}")
    return corpus, data.metadata


def table_speeds(metadata, args):
    """The speeds a table was embedded at (tables written before speeds have none).

    A ``--speeds`` other than ``auto`` must name them: the table decides, not the option.
    """
    speeds = tuple(float(speed) for speed in metadata.get("speeds", ()))
    return _table_views("speeds", "at", speeds, speeds_argument(args))


def table_channels(metadata, args):
    """The channel views a table was embedded with (tables written before them have none).

    A ``--channels`` other than ``auto`` must name them, as ``--speeds`` must.
    """
    channels = tuple(metadata.get("channels", ()))
    return _table_views("channels", "with", channels, channels_argument(args))


def _table_views(option, preposition, embedded, asked):
    """``embedded`` (the table's views), unless ``--option`` (``asked``) names others."""
    if asked != "auto" and tuple(asked) != embedded:
        raise ValueError(
            f"--{option} {' '.join(map(str, asked)) or 'none'} does not match the table, "
            f"embedded {preposition} {option} {' '.join(map(str, embedded)) or 'none'}: with "
            f"--features the table's {option} are used (embed again with skser embed "
            f"--{option} to change them)"
        )
    return embedded


def features_head(args, speeds, channels=()):
    """The default head, with one view per speed and channel the table was embedded with."""
    from ..pipeline import make_ser_pipeline

    head = make_ser_pipeline(speeds=speeds, channels=channels, random_state=args.seed,
                             **head_params(args))[-1]
    return head.set_params(verbose=args.verbose)  # a bar over the epochs
