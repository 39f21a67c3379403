"""Embedding a whole corpus, chunk by chunk, into a Parquet table (locally or on Dask).

A corpus of 100,000 clips of 8 s is 51 GB as one padded waveform batch. ``embed_corpus``
never holds more than a few chunks of clips: it streams the file paths, decodes and embeds
each chunk (in a bounded local thread pool, or as tasks on a ``distributed.Client``) and
appends the chunk's rows to a Parquet dataset. A head then trains on that table.
"""

import hashlib
import json
import logging
import os
import re
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from itertools import chain, islice
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.utils import Bunch
from sklearn.utils.validation import check_is_fitted

from ..io import SAMPLE_RATE, as_batch, load_audio
from ..utils import progress
from ._cache import clip_key

__all__ = ["assemble_pipeline", "embed_corpus", "load_embeddings"]

MANIFEST = "_skser_embeddings.json"
"""The dataset's description, next to its parts (pyarrow and Dask skip ``_`` files)."""
RESERVED = ("path", "content_hash", "file_duration")
logger = logging.getLogger(__name__)
_PART = re.compile(r"^part-\d{6}-[0-9a-f]{16}\.parquet$")
# Parameters that change how an embedding is computed, not what it is.
_NOT_IDENTITY = ("verbose", "memory", "n_jobs", "device")


def _require_pyarrow():
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise ImportError(
            "embedding a corpus to Parquet needs pyarrow: pip install 'skser[corpus]'",
            name="pyarrow",
        ) from None


def _identity(front):
    """A description of everything the embeddings depend on (not progress, cache, jobs)."""
    params = front.get_params(deep=True)
    kept = {
        name: value
        for name, value in sorted(params.items())
        if not hasattr(value, "get_params") and not name.endswith(_NOT_IDENTITY)
        and name != "steps"
    }
    steps = front.steps if isinstance(front, Pipeline) else [(None, front)]
    kinds = [type(step).__name__ for _, step in steps]
    fingerprint = getattr(steps[-1][1], "fingerprint_", None)
    return repr((kinds, kept, fingerprint))


def _records(paths, columns):
    """Yield ``{"path": ..., **columns}`` per file, reading ``columns`` alongside lazily."""
    if isinstance(paths, str | os.PathLike):
        raise ValueError(
            f"expected an iterable of audio paths, got a single path {paths!r}; wrap it in a "
            "list, or list a folder's files with skser.datasets.find_audio"
        )
    names = list(columns)
    for name in names:
        if name in RESERVED:
            raise ValueError(f"column {name!r} is written by embed_corpus itself; rename it")
    iterators = [iter(columns[name]) for name in names]
    for index, path in enumerate(paths):
        record = {"path": os.path.expanduser(os.fspath(path))}
        for name, values in zip(names, iterators):
            try:
                value = next(values)
            except StopIteration:
                raise ValueError(
                    f"column {name!r} has {index} values but there are more paths"
                ) from None
            record[name] = value.item() if isinstance(value, np.generic) else value
        yield record
    for name, values in zip(names, iterators):
        if next(values, None) is not None:
            raise ValueError(f"column {name!r} has more values than there are paths")


def _chunks(records, size):
    records = iter(records)
    while chunk := list(islice(records, size)):
        yield chunk


def _file_stamps(records):
    """Each file's size and modification time (None where this process cannot see it)."""
    stamps = []
    for record in records:
        try:
            status = os.stat(record["path"])
        except OSError:
            stamps.append(None)
        else:
            stamps.append((status.st_size, status.st_mtime_ns))
    return stamps


def _decode(records, sample_rate, max_duration):
    clips, hashes, durations = [], [], []
    keep = None if max_duration is None else max(1, round(max_duration * sample_rate))
    for record in records:
        samples = load_audio(record["path"], sample_rate=sample_rate)
        hashes.append(clip_key(samples))
        durations.append(samples.size / sample_rate)
        clips.append(samples if keep is None else samples[:keep])
    return clips, hashes, durations


def embed_chunk(front, records, *, feature_names, sample_rate=SAMPLE_RATE, max_duration=None):
    """Decode and embed one chunk of files: the task ``embed_corpus`` runs (here or on Dask).

    Parameters
    ----------
    front : estimator
        The fitted embedder (or pipeline ending in one).
    records : list of dict
        ``{"path": ..., **columns}`` per file.
    feature_names : list of str
        The feature columns' names.
    sample_rate : int, default=16000
    max_duration : float, optional

    Returns
    -------
    table : pyarrow.Table
        ``path``, the extra columns, ``content_hash``, ``file_duration`` and one float32 column
        per feature.
    """
    import pyarrow as pa

    clips, hashes, durations = _decode(records, sample_rate, max_duration)
    try:
        features = np.asarray(front.transform(as_batch(clips)), dtype=np.float32)
    except ValueError as exc:
        _raise_naming_files(exc, front, records, clips, fitted=True)
    columns = {name: [record[name] for record in records] for name in records[0]}
    columns["content_hash"] = hashes
    columns["file_duration"] = np.asarray(durations, dtype=np.float64)
    for index, name in enumerate(feature_names):
        columns[name] = features[:, index]
    return pa.table(columns)


def _check_front(front, first_chunk, sample_rate, max_duration):
    """The fitted front: ``front`` itself when fitted, else a clone fitted on one chunk."""
    try:
        check_is_fitted(front)
        return front
    except NotFittedError:
        clips, _, _ = _decode(first_chunk, sample_rate, max_duration)
        try:
            return clone(front).fit(as_batch(clips))
        except ValueError as exc:
            _raise_naming_files(exc, front, first_chunk, clips, fitted=False)


def _raise_naming_files(exc, front, records, clips, fitted):
    """Re-raise ``exc`` naming the files the embedder refuses (it names a chunk's index)."""
    from ..model_selection import name_refused_clips

    message = name_refused_clips(front, [(clips, lambda i: records[i]["path"])], fitted=fitted)
    if message is None:
        raise exc
    raise ValueError(message) from exc


def _feature_names(front):
    # Waveform steps have no feature names (samples have none): the embedder names them.
    embedder = front[-1] if isinstance(front, Pipeline) else front
    names = [str(name) for name in embedder.get_feature_names_out()]
    clash = sorted(set(names) & set(RESERVED))
    if clash:
        raise ValueError(f"feature names {clash} clash with embed_corpus's own columns")
    return names


def _read_manifest(manifest):
    try:
        description = json.loads(manifest.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{manifest} is damaged ({exc}): rerun embed_corpus (skser "
                         "embed) on the same out to rewrite it") from None
    if not isinstance(description, dict) or "feature_names" not in description:
        raise ValueError(f"{manifest} is not a skser embeddings manifest")
    return description


class _Output:
    """The Parquet dataset folder: its manifest, its parts, writing one atomically."""

    def __init__(self, folder, identity, overwrite):
        self.folder = Path(os.path.expanduser(os.fspath(folder)))
        if self.folder.exists() and not self.folder.is_dir():
            raise NotADirectoryError(
                f"out must be a folder (a Parquet dataset), got the file {self.folder}"
            )
        self.folder.mkdir(parents=True, exist_ok=True)
        self.identity = identity
        manifest = self.folder / MANIFEST
        if manifest.is_file():
            try:
                written = _read_manifest(manifest)
            except ValueError as exc:
                # Part names carry the embedder's identity: parts of another one are never
                # taken for this run's, and the manifest is written anew at the end.
                logger.warning("%s; rewriting it", exc)
                written = {"identity": identity}
            if written.get("identity") != identity:
                if not overwrite:
                    raise ValueError(
                        f"{self.folder} holds embeddings of another embedder "
                        f"({written.get('identity')}); choose another out, or pass "
                        "overwrite=True to replace them"
                    )
                for part in self.parts():
                    part.unlink()
        elif overwrite:
            for part in self.parts():
                part.unlink()

    def parts(self):
        return sorted(path for path in self.folder.iterdir() if _PART.match(path.name))

    def complete_parts(self):
        """Names of the parts that read as Parquet; a damaged one is removed (redone)."""
        import pyarrow.parquet as pq

        complete = set()
        for part in self.parts():
            try:
                pq.read_metadata(part)
            except Exception:  # pyarrow raises several kinds for a damaged file
                logger.warning("%s is damaged (an interrupted copy?): embedding it again", part)
                part.unlink()
            else:
                complete.add(part.name)
        return complete

    def name(self, index, chunk, settings):
        """The part's file name: its index and a digest of all its rows depend on.

        ``settings`` holds the decoding options and each file's size and modification
        time, so a changed file or option makes the part stale without reading audio.
        """
        digest = hashlib.blake2b(
            json.dumps([self.identity, chunk, settings], sort_keys=True, default=str).encode(),
            digest_size=8,
        ).hexdigest()
        return f"part-{index:06d}-{digest}.parquet"

    def write(self, name, table):
        import pyarrow.parquet as pq

        temporary = self.folder / f".{name}.tmp"
        pq.write_table(table, temporary)
        os.replace(temporary, self.folder / name)

    def finish(self, planned, feature_names, columns, metadata):
        """Drop parts of earlier runs that this run did not plan; write the manifest."""
        for part in self.parts():
            if part.name not in planned:
                part.unlink()
        manifest = {
            "identity": self.identity,
            "feature_names": feature_names,
            "columns": list(columns),
            "n_parts": len(planned),
            "metadata": metadata,
        }
        (self.folder / MANIFEST).write_text(json.dumps(manifest, indent=1))


def embed_corpus(
    embedder,
    paths,
    *,
    out,
    columns=None,
    batch_size=64,
    client=None,
    n_jobs=None,
    max_duration=None,
    sample_rate=SAMPLE_RATE,
    retries=3,
    overwrite=False,
    metadata=None,
    verbose=False,
):
    """Embed every audio file into a Parquet table, in bounded memory, here or on Dask.

    The paths are streamed in chunks of ``batch_size`` files. Each chunk is decoded
    (:func:`skser.io.load_audio`) and embedded, then written as one part of the Parquet
    dataset ``out``: the folder holds ``part-NNNNNN-<hash>.parquet`` files that
    ``pandas.read_parquet(out)`` and ``dask.dataframe.read_parquet(out)`` open as one
    table, in the order of ``paths``. Its columns:

    - ``path``, then the ``columns`` given (labels, groups, speakers, ...);
    - ``content_hash``: a hash of the decoded samples (:class:`EmbeddingCache`'s key);
    - ``file_duration``: the file's length in seconds (before ``max_duration``; the
      weight-free embedder's own ``duration`` feature is the clip's, after it);
    - one float32 column per feature, named by ``get_feature_names_out``.

    **Where it runs.** With ``client=None`` the chunks run in this process, ``n_jobs``
    at a time in threads. With a ``distributed.Client`` they are Dask tasks; the fitted
    embedder is sent once to every worker, each task returns its rows, and this process
    writes them, so only the audio files (not ``out``) need to be visible to the workers.
    Either way at most ``2 x`` (parallel slots) chunks are in flight.

    **Resuming.** A chunk whose part is already in ``out`` (same files, same embedder,
    same ``sample_rate`` and ``max_duration``) is skipped without reading its audio, so a
    rerun after a crash computes only what is missing, and a finished run recomputes
    nothing. A file whose size or modification time changed since makes its chunk
    stale, and the chunk is embedded again (on Dask, only where this process sees the
    files). Dask retries the tasks of a lost
    worker. Give the embedder a ``memory=`` folder as well and a chunk cut short is
    resumed clip by clip. Parts of an earlier run that this run does not produce are
    removed: ``out`` ends up holding exactly one row per path.

    Parameters
    ----------
    embedder : estimator
        An embedder (:class:`AcousticEmbedder`, :class:`DistilHuBERTEmbedder`) or a
        pipeline of waveform steps ending in one, fitted or not (it is cloned and fitted
        on the first chunk; skser's waveform steps learn nothing from the data).
    paths : iterable of str or os.PathLike
        The audio files; a generator is read lazily.
    out : str or os.PathLike
        The Parquet dataset folder (``features.parquet``), created if needed.
    columns : dict of str to sequence, optional
        Extra per-file columns, such as ``{"label": y, "group": groups}``, aligned with
        ``paths``.
    batch_size : int >= 1, default=64
        Files per chunk: one task, one part file.
    client : distributed.Client, optional
        Run the chunks on this Dask cluster.
    n_jobs : int, optional
        Local parallel chunks (threads) when ``client`` is None; None is 1.
    max_duration : float > 0, optional
        Embed at most this many seconds of each file.
    sample_rate : int, default=16000
    retries : int, default=3
        Dask retries of a chunk whose task raised.
    overwrite : bool, default=False
        Replace ``out``'s parts even when another embedder wrote them.
    metadata : dict, optional
        JSON-serialisable notes kept with the table (``load_embeddings(out).metadata``),
        such as how to rebuild the embedder.
    verbose : bool, default=False
        A progress bar over chunks.

    Returns
    -------
    result : sklearn.utils.Bunch
        ``path`` (the dataset folder), ``n_rows``, ``n_chunks``, ``n_computed`` (chunks
        embedded by this call; the rest were found in ``out``), ``feature_names`` and
        ``embedder`` (the fitted embedder, for :func:`assemble_pipeline`).

    See Also
    --------
    load_embeddings : Read the table back as a feature matrix with labels and groups.

    Examples
    --------
    >>> import os, tempfile, soundfile as sf
    >>> from skser.embedding import AcousticEmbedder
    >>> from skser.datasets import make_emotional_speech
    >>> X, y, groups = make_emotional_speech(n_speakers=2, n_clips_per_class=1, random_state=0)
    >>> folder = tempfile.mkdtemp()
    >>> paths = [os.path.join(folder, f"{i}.wav") for i in range(len(X))]
    >>> for path, clip in zip(paths, X):
    ...     sf.write(path, clip, 16000)
    >>> out = os.path.join(folder, "features.parquet")
    >>> result = embed_corpus(AcousticEmbedder(), paths, out=out, batch_size=3,
    ...                       columns={"label": y, "group": groups})
    >>> result.n_rows, result.n_chunks, result.n_computed
    (8, 3, 3)
    >>> embed_corpus(AcousticEmbedder(), paths, out=out, batch_size=3,
    ...              columns={"label": y, "group": groups}).n_computed
    0
    >>> data = load_embeddings(out)
    >>> data.data.shape, bool((data.target == y).all())
    ((8, 171), True)
    >>> import shutil; shutil.rmtree(folder)
    """
    _require_pyarrow()
    if not isinstance(batch_size, int | np.integer) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    if max_duration is not None and not max_duration > 0:
        raise ValueError(f"max_duration must be positive or None, got {max_duration!r}")
    columns = dict(columns or {})
    chunks = _chunks(_records(paths, columns), int(batch_size))
    first = next(chunks, None)
    if first is None:
        raise ValueError("paths is empty: there is nothing to embed")
    front = _check_front(embedder, first, sample_rate, max_duration)
    feature_names = _feature_names(front)
    output = _Output(out, _identity(front), overwrite)
    done = output.complete_parts()
    decoding = {"sample_rate": sample_rate, "max_duration": max_duration}
    options = dict(feature_names=feature_names, **decoding)

    planned, todo, n_rows = set(), [], 0

    def missing():
        nonlocal n_rows
        for index, chunk in enumerate(chain([first], chunks)):
            name = output.name(index, chunk, {**decoding, "files": _file_stamps(chunk)})
            planned.add(name)
            n_rows += len(chunk)
            if name not in done:
                todo.append(name)
                yield name, chunk

    work = missing()
    if client is None:
        results = _run_locally(front, work, options, n_jobs)
    else:
        results = _run_on_dask(client, front, work, options, retries)
    for name, table in progress(results, verbose=verbose, desc="embedding", unit="chunk"):
        output.write(name, table)
    output.finish(planned, feature_names, ["path", *columns, "content_hash", "file_duration"],
                  metadata or {})
    return Bunch(path=output.folder, n_rows=n_rows, n_chunks=len(planned),
                 n_computed=len(todo), feature_names=feature_names, embedder=front)


def _run_locally(front, work, options, n_jobs):
    """Yield ``(name, table)`` per chunk, ``n_jobs`` chunks at a time in threads."""
    slots = 1 if n_jobs is None else (os.cpu_count() or 1) if n_jobs < 0 else max(1, n_jobs)
    if slots == 1:
        for name, chunk in work:
            yield name, embed_chunk(front, chunk, **options)
        return
    with ThreadPoolExecutor(max_workers=slots) as pool:
        pending = deque()
        for name, chunk in work:
            pending.append((name, pool.submit(embed_chunk, front, chunk, **options)))
            if len(pending) >= 2 * slots:
                name, future = pending.popleft()
                yield name, future.result()
        while pending:
            name, future = pending.popleft()
            yield name, future.result()


def _run_on_dask(client, front, work, options, retries):
    """Yield ``(name, table)`` per chunk as Dask tasks finish, a bounded number in flight."""
    from distributed import as_completed

    workers = client.scheduler_info()["workers"]
    slots = max(1, sum(worker.get("nthreads", 1) for worker in workers.values()))
    remote_front = client.scatter(front, broadcast=True, hash=False)
    names = {}
    running = as_completed()

    def submit(name, chunk):
        future = client.submit(embed_chunk, remote_front, chunk, **options, retries=retries,
                               pure=False, key=f"skser-embed-{name}")
        names[future.key] = name
        running.add(future)

    work = iter(work)
    for name, chunk in islice(work, 2 * slots):
        submit(name, chunk)
    for future in running:
        table = future.result()
        name = names.pop(future.key)
        future.release()
        following = next(work, None)
        if following is not None:
            submit(*following)
        yield name, table


def load_embeddings(path, *, target="label", groups="group", speakers="speaker"):
    """Read a table written by :func:`embed_corpus` as a feature matrix and its columns.

    Parameters
    ----------
    path : str or os.PathLike
        The Parquet dataset folder.
    target, groups, speakers : str, default="label", "group", "speaker"
        The columns returned as ``target``, ``groups`` and ``speakers`` (None where the
        table has no such column).

    Returns
    -------
    data : sklearn.utils.Bunch
        ``data`` (float32 ``(n_rows, n_features)``), ``target``, ``groups``, ``speakers``,
        ``paths``, ``feature_names``, ``metadata`` (what ``embed_corpus`` was given),
        ``table`` (the pyarrow.Table) and ``frame`` (a pandas DataFrame, where pandas is
        installed).
    """
    _require_pyarrow()
    import pyarrow.parquet as pq

    folder = Path(os.path.expanduser(os.fspath(path)))
    manifest = folder / MANIFEST
    if not manifest.is_file():
        raise FileNotFoundError(
            f"no embeddings at {folder}: expected a folder written by embed_corpus "
            f"(skser embed), with {MANIFEST}"
        )
    description = _read_manifest(manifest)
    names = description["feature_names"]
    parts = sorted(p for p in folder.iterdir() if _PART.match(p.name))
    if len(parts) != description["n_parts"]:
        raise ValueError(
            f"{folder} holds {len(parts)} parts but its run wrote {description['n_parts']}: "
            "rerun embed_corpus (skser embed) to complete it"
        )
    if not parts:
        raise ValueError(f"{folder} holds no rows")
    import pyarrow as pa

    # Part by part in name order, which is the order of the paths.
    tables = []
    for part in parts:
        try:
            tables.append(pq.read_table(part))
        except Exception as exc:  # pyarrow raises several kinds for a damaged file
            raise ValueError(f"{part} is damaged ({exc}): rerun embed_corpus (skser embed) "
                             "on the same out, which embeds it again") from None
    table = pa.concat_tables(tables)
    X = np.column_stack([table.column(name).to_numpy() for name in names]).astype(np.float32)

    def column(name):
        if name is None or name not in table.column_names:
            return None
        return np.asarray(table.column(name).to_pylist())

    data = Bunch(data=X, target=column(target), groups=column(groups),
                 speakers=column(speakers), paths=column("path"),
                 feature_names=np.asarray(names, dtype=object),
                 metadata=description.get("metadata", {}), table=table)
    try:
        data.frame = table.to_pandas()
    except ImportError:
        pass
    return data


def assemble_pipeline(embedder, head):
    """One fitted pipeline from a fitted embedder and a head trained on its embeddings.

    What :func:`skser.export.to_onnx` and ``skser predict`` take: waveforms in, labels
    out. The head is fitted on the table of :func:`embed_corpus` (``load_embeddings``);
    ``embedder`` is the fitted embedder it returned (``result.embedder``).

    Parameters
    ----------
    embedder : estimator
        The fitted embedder, or a fitted pipeline of waveform steps ending in one.
    head : estimator
        A fitted classifier (or regressor) on the embeddings.

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        The embedder's steps followed by ``head``.
    """
    check_is_fitted(embedder)
    check_is_fitted(head)
    n_features = getattr(head, "n_features_in_", None)
    names = _feature_names(embedder)
    if n_features is not None and n_features != len(names):
        raise ValueError(
            f"the head was fitted on {n_features} features but the embedder gives "
            f"{len(names)}: train the head on this embedder's table"
        )
    steps = list(embedder.steps) if isinstance(embedder, Pipeline) else [
        (type(embedder).__name__.lower(), embedder)
    ]
    return Pipeline([*steps, (type(head).__name__.lower(), head)])
