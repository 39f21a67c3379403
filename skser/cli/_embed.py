"""``skser embed``: a corpus or a folder of audio as a Parquet table of embeddings
(Dask optional), which ``skser train/evaluate --features`` read."""

import os
from contextlib import ExitStack
from pathlib import Path

import numpy as np

from ..pipeline import EMBEDDERS, default_cache_dir
from ._data import MAX_DURATION
from ._features import embedder_channels, embedder_speeds, front
from ._options import (
    DATA_HELP,
    LOADERS,
    add_channels_option,
    add_progress_options,
    add_speeds_option,
    add_user_data_options,
    channels_argument,
    n_jobs_type,
    speeds_argument,
    whole_number,
)
from ._shared import check_model_folder

__all__ = ["add_parser", "run"]


def add_parser(commands):
    """Add ``embed`` to ``commands`` (an argparse subparsers object)."""
    command = commands.add_parser(
        "embed", help="embed a corpus or a folder of audio into a Parquet table (Dask optional)"
    )
    source = command.add_mutually_exclusive_group(required=True)
    source.add_argument("--corpus", choices=tuple(LOADERS),
                        help="a corpus in its official layout (with --root)")
    source.add_argument("--files", help="every .wav/.flac file under this folder (no labels)")
    source.add_argument("--data", metavar="PATH", help=DATA_HELP)
    add_user_data_options(command.add_argument_group("--data"), data_option=False)
    command.add_argument("--root", help="the corpus folder")
    command.add_argument("--labels", choices=("emotion4", "all"),
                         help="which emotions to keep (default: emotion4 for a --corpus, "
                              "all for --data)")
    command.add_argument("--out", required=True, help="the Parquet dataset folder to write")
    where = command.add_mutually_exclusive_group()
    where.add_argument("--dask-workers", type=whole_number(1),
                       help="run on a local Dask cluster of this many worker processes")
    where.add_argument("--scheduler", help="run on an existing Dask cluster (its address)")
    command.add_argument("--n-jobs", type=n_jobs_type, default=None,
                         help="without Dask: chunks embedded in parallel threads")
    command.add_argument("--batch-size", type=whole_number(1), default=64,
                         help="files per chunk (task)")
    command.add_argument("--embedder", choices=EMBEDDERS, default="weight-free",
                         help="the embedder (default: %(default)s, nothing to download)")
    command.add_argument("--model",
                       help="the encoder's weights for --embedder distilhubert or ssl: a "
                            "Hugging Face hub id or a local folder (default: "
                            "ntu-spml/distilhubert; microsoft/wavlm-base-plus for ssl)")
    command.add_argument("--local-files-only", action="store_true",
                         help="never reach the network for the weights")
    add_speeds_option(command)
    add_channels_option(command)
    command.add_argument("--cache", default=default_cache_dir(),
                         help="per-clip embedding cache folder (default: %(default)s)")
    command.add_argument("--overwrite", action="store_true",
                         help="replace a table another embedder wrote")
    add_progress_options(command)
    command.set_defaults(run=run)
    return command


def _qualified(corpus, ids):
    return np.asarray([i if ":" in str(i) else f"{corpus}:{i}" for i in ids])


def _sources(args):
    """The files and their label, group and speaker columns."""
    if args.data is not None:
        from ._data import read_user_data

        if args.root is not None:
            raise ValueError("--root names a corpus folder and --data your own corpus: give "
                             "one of them")
        data = read_user_data(args.data, args)
        columns = {"label": data.target}
        if data.speakers is not None:  # the user's ids, as given
            columns.update(group=data.groups, speaker=data.speakers)
        return [os.fspath(path) for path in data.filenames], columns
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
    data = loader(os.path.expanduser(args.root), labels=args.labels or "emotion4")
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


def run(args):
    """Embed the files in chunks (each written once) into a Parquet dataset."""
    from ..embedding import embed_corpus

    check_model_folder(args)  # before the files are listed
    paths, columns = _sources(args)
    steps = front(args.embedder, args.model, args.local_files_only, args.cache,
                  speeds=speeds_argument(args), channels=channels_argument(args))
    metadata = {"embedder": args.embedder,
                "model": None if args.model is None else os.fspath(args.model),
                "local_files_only": args.local_files_only,
                "speeds": list(embedder_speeds(steps)),
                "channels": list(embedder_channels(steps)),
                "dynamics": bool(getattr(steps[-1], "dynamics", False)),
                "corpus": args.corpus or ("data" if args.data else "files")}
    with ExitStack() as stack:
        client = _client(args, stack)
        where = "in this process" if client is None else \
            f"on Dask ({len(client.scheduler_info()['workers'])} workers)"
        print(f"embedding {len(paths)} files {where}, {args.batch_size} per chunk")
        result = embed_corpus(
            steps, paths, out=args.out, columns=columns, batch_size=args.batch_size,
            client=client, n_jobs=args.n_jobs, max_duration=MAX_DURATION,
            overwrite=args.overwrite, metadata=metadata, verbose=args.verbose,
        )
    print(f"wrote {result.n_rows} rows x {len(result.feature_names)} features to "
          f"{result.path} ({result.n_computed} of {result.n_chunks} chunks computed, the "
          "rest were already there)")
    return 0
