"""``skser embed`` and ``skser train/evaluate --features``: a corpus as a Parquet table."""

import os
from contextlib import ExitStack
from pathlib import Path

import numpy as np

from ._data import LOADERS, MAX_DURATION, Corpus


def add_speeds_option(parser):
    """``--speeds``: the weight-free embedder's speed views (``make_ser_pipeline(speeds=)``)."""
    parser.add_argument(
        "--speeds", nargs="+", default=["auto"], metavar="SPEED",
        help="weight-free embedder: also embed each clip at these speeds, e.g. 0.9 1.1 "
             "(auto: 0.9 1.1 for emotion classes; none: each clip once, three times "
             "faster) (default: auto)")


def speeds_argument(args):
    """``--speeds`` as ``make_ser_pipeline``'s ``speeds``: ``"auto"`` or a tuple of floats."""
    values = getattr(args, "speeds", ["auto"])
    if values in (["auto"], ["none"]):
        return "auto" if values == ["auto"] else ()
    try:
        return tuple(float(value) for value in values)
    except ValueError:
        raise ValueError(f"--speeds takes auto, none or numbers such as 0.9 1.1, got "
                         f"{' '.join(values)}") from None


def n_jobs_type(text):
    """``--n-jobs``: a number of workers, or -1 for every core (argparse type)."""
    import argparse

    try:
        value = int(text)
    except ValueError:
        value = 0
    if value == 0:
        raise argparse.ArgumentTypeError(
            f"expected a number of workers (1 or more, or -1 for every core), got {text!r}"
        )
    return value


def add_embed_parser(commands):
    """The ``embed`` sub-command's options."""
    from ..pipeline import EMBEDDERS, default_cache_dir

    command = commands.add_parser(
        "embed", help="embed a corpus or a folder of audio into a Parquet table (Dask optional)"
    )
    source = command.add_mutually_exclusive_group(required=True)
    source.add_argument("--corpus", choices=tuple(LOADERS),
                        help="a corpus in its official layout (with --root)")
    source.add_argument("--files", help="every .wav/.flac file under this folder (no labels)")
    command.add_argument("--root", help="the corpus folder")
    command.add_argument("--labels", choices=("emotion4", "all"), default="emotion4",
                         help="which of the corpus's emotions to keep")
    command.add_argument("--out", required=True, help="the Parquet dataset folder to write")
    where = command.add_mutually_exclusive_group()
    where.add_argument("--dask-workers", type=int,
                       help="run on a local Dask cluster of this many worker processes")
    where.add_argument("--scheduler", help="run on an existing Dask cluster (its address)")
    command.add_argument("--n-jobs", type=n_jobs_type, default=None,
                         help="without Dask: chunks embedded in parallel threads")
    command.add_argument("--batch-size", type=int, default=64, help="files per chunk (task)")
    command.add_argument("--embedder", choices=EMBEDDERS, default="weight-free",
                         help="the embedder (default: %(default)s, nothing to download)")
    command.add_argument("--model", default="ntu-spml/distilhubert",
                         help="DistilHuBERT weights: a Hugging Face hub id or a local folder")
    command.add_argument("--local-files-only", action="store_true",
                         help="never reach the network for the weights")
    add_speeds_option(command)
    command.add_argument("--cache", default=default_cache_dir(),
                         help="per-clip embedding cache folder (default: %(default)s)")
    command.add_argument("--overwrite", action="store_true",
                         help="replace a table another embedder wrote")
    command.add_argument("--verbose", action="store_true", help="a progress bar over chunks")
    command.set_defaults(run=embed)
    return command


def _front(embedder, model, local_files_only, cache=None, speeds="auto", dynamics=None):
    """The default pipeline's waveform steps and embedder (no file loader, no head).

    ``dynamics`` overrides the weight-free embedder's (None keeps the default's).
    """
    from ..pipeline import make_ser_pipeline

    pipe = make_ser_pipeline(embedder=embedder, model=model, local_files_only=local_files_only,
                             memory=cache, speeds=speeds)
    if dynamics is not None and embedder == "weight-free":
        pipe[-2].set_params(dynamics=dynamics)
    return pipe[1:-1]


def _speeds(front):
    """The speeds of the front's embedder: ``()`` for DistilHuBERT or one speed."""
    return tuple(float(speed) for speed in getattr(front[-1], "speeds", ()))


def _qualified(corpus, ids):
    return np.asarray([i if ":" in str(i) else f"{corpus}:{i}" for i in ids])


def _sources(args):
    """The files and their label, group and speaker columns."""
    if args.files is not None:
        from ..datasets import find_audio

        if args.root is not None:
            raise ValueError("--root names a corpus folder and --files a folder of unlabeled "
                             "files: give one of them")

        folder = Path(os.path.expanduser(args.files))
        if not folder.is_dir():
            raise NotADirectoryError(f"--files needs a folder, got {folder}")
        paths = [os.fspath(path) for path in find_audio(folder)]
        if not paths:
            raise FileNotFoundError(f"no .wav or .flac files under {folder}")
        return paths, {}
    if args.root is None:
        raise ValueError(f"--root is needed with --corpus {args.corpus} (its folder)")
    from .. import datasets

    loader = getattr(datasets, LOADERS[args.corpus])
    data = loader(os.path.expanduser(args.root), labels=args.labels)
    columns = {"label": data.target, "group": _qualified(args.corpus, data.groups),
               "speaker": _qualified(args.corpus, data.speakers)}
    return [os.fspath(path) for path in data.filenames], columns


def _client(args, stack):
    if args.dask_workers is None and args.scheduler is None:
        return None
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ImportError("--dask-workers and --scheduler need Dask: "
                          "pip install 'skser[dask]'", name="distributed") from None
    if args.scheduler is not None:
        return stack.enter_context(Client(args.scheduler))
    if args.dask_workers < 1:
        raise ValueError(f"--dask-workers must be at least 1, got {args.dask_workers}")
    cluster = stack.enter_context(LocalCluster(
        n_workers=args.dask_workers, threads_per_worker=1, processes=True,
        dashboard_address=":0",
    ))
    return stack.enter_context(Client(cluster))


def embed(args):
    from ..embedding import embed_corpus

    paths, columns = _sources(args)
    front = _front(args.embedder, args.model, args.local_files_only, args.cache,
                   speeds=speeds_argument(args))
    metadata = {"embedder": args.embedder, "model": os.fspath(args.model),
                "local_files_only": args.local_files_only, "speeds": list(_speeds(front)),
                "dynamics": bool(getattr(front[-1], "dynamics", False)),
                "corpus": args.corpus or "files"}
    with ExitStack() as stack:
        client = _client(args, stack)
        where = "in this process" if client is None else \
            f"on Dask ({len(client.scheduler_info()['workers'])} workers)"
        print(f"embedding {len(paths)} files {where}, {args.batch_size} per chunk")
        result = embed_corpus(
            front, paths, out=args.out, columns=columns, batch_size=args.batch_size,
            client=client, n_jobs=args.n_jobs, max_duration=MAX_DURATION,
            overwrite=args.overwrite, metadata=metadata, verbose=args.verbose,
        )
    print(f"wrote {result.n_rows} rows x {len(result.feature_names)} features to "
          f"{result.path} ({result.n_computed} of {result.n_chunks} chunks computed, the "
          "rest were already there)")
    return 0


# Options --features cannot honour: the table is already embedded, and its head is the
# default categorical one. option -> (argument, the default that leaves it unused).
_FEATURES_IGNORE = {
    "--corpus": ("corpus", "synthetic"), "--extra-root": ("extra_root", None),
    "--embedder": ("embedder", "weight-free"), "--model": ("model", "ntu-spml/distilhubert"),
    "--augment": ("augment", False), "--task dimensional": ("task", "categorical"),
    "--adapt": ("adapt", None), "--noisy-copies": ("noisy_copies", 0),
}


def _features_corpus(args):
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


def _table_speeds(metadata, args):
    """The speeds a table was embedded at (tables written before speeds have none).

    A ``--speeds`` other than ``auto`` must name them: the table decides, not the option.
    """
    speeds = tuple(float(speed) for speed in metadata.get("speeds", ()))
    asked = speeds_argument(args)
    if asked != "auto" and tuple(asked) != speeds:
        raise ValueError(
            f"--speeds {' '.join(map(str, asked)) or 'none'} does not match the table, "
            f"embedded at speeds {' '.join(map(str, speeds)) or 'none'}: with --features "
            "the table's speeds are used (embed again with skser embed --speeds to change them)"
        )
    return speeds


def _head(args, speeds):
    """The default head, with one view per speed the table was embedded at."""
    from ..pipeline import make_ser_pipeline
    from ._commands import head_params

    return make_ser_pipeline(speeds=speeds, random_state=args.seed, verbose=args.verbose,
                             **head_params(args))[-1]


def train_features(args):
    """``skser train --features``: the head on the table, saved with its embedder."""
    from sklearn.pipeline import Pipeline

    from ..datasets import make_emotional_speech
    from ..embedding import assemble_pipeline
    from ..io import AudioLoader
    from ._commands import _fit_final, _save

    corpus, metadata = _features_corpus(args)
    speeds = _table_speeds(metadata, args)
    head = _fit_final(_head(args, speeds), corpus, None)
    # Tables written before the spectral dynamics existed were embedded without them.
    front = _front(metadata.get("embedder", "weight-free"),
                   metadata.get("model", "ntu-spml/distilhubert"),
                   metadata.get("local_files_only", False), speeds=speeds,
                   dynamics=bool(metadata.get("dynamics", False)))
    # The waveform steps and the embedder learn nothing from data: fitting prepares them.
    clip = make_emotional_speech(n_speakers=1, n_clips_per_class=1, random_state=0)[0][:1]
    pipe = assemble_pipeline(front.fit(clip), head)
    _save(Pipeline([("audioloader", AudioLoader()), *pipe.steps]), args.out)
    return 0


def evaluate_features(args):
    """``skser evaluate --features``: leave-one-session-out on the table's rows."""
    from ._commands import _evaluate
    from ._report import write_report

    corpus, metadata = _features_corpus(args)
    report = _evaluate(_head(args, _table_speeds(metadata, args)), corpus, None, args.n_jobs)
    print(report)
    if args.report:
        path = write_report(report, args.report,
                            title=f"skser session evaluation: {corpus.name} (features)")
        print(f"wrote the report to {path}")
    return 0
