"""Helpers shared by the benchmark scripts."""

import datetime
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data"
RECORDS = REPO_ROOT / "benchmarks" / "records"
_STARTED = time.perf_counter()  # a record's "seconds": from the script's imports to its end
# The benchmarks measure the skser of their own checkout, installed or not.
sys.path.insert(0, str(REPO_ROOT))


def run_child(code):
    """Run ``code`` in a fresh one-thread Python process; its last stdout line, as JSON.

    A child measures its own peak memory and time, undisturbed by this process's."""
    import json
    import os
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True,
                          text=True, env=dict(os.environ, OMP_NUM_THREADS="1"), check=False)
    if done.returncode:
        sys.exit(f"the measured run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_seconds(function, repeats, per=1):
    """Wall time of each of ``repeats`` runs of ``function()`` after one warm-up, / ``per``."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) / per)
    return times


def median_seconds(function, repeats, per=1):
    """Median wall time of ``function()`` over ``repeats`` runs after a warm-up, / ``per``."""
    return float(np.median(run_seconds(function, repeats, per)))


def continuous_speech(clips, n, seconds=8.0):
    """``n`` clips of exactly ``seconds`` of speech, cut from the clips joined end to end."""
    from skser.io import as_batch, clip_lengths
    from skser.preprocessing import Trimmer

    trimmed = Trimmer().transform(clips)
    speech = np.concatenate([row[: length] for row, length in zip(trimmed, clip_lengths(trimmed))])
    width = int(seconds * 16000)
    if speech.size < n * width:
        raise ValueError(f"{speech.size / 16000:.0f} s of speech is too little for {n} clips")
    batch = as_batch([speech[i * width : (i + 1) * width] for i in range(n)])
    return batch[clip_lengths(batch) > width - 160]


def _git(*args):
    try:
        return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                              timeout=30, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def cpu_model():
    """The CPU's model name and its int8-relevant instruction sets, as ``/proc/cpuinfo`` says."""
    model, flags = platform.processor() or platform.machine(), set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                model = value.strip()
            elif key.strip() == "flags":
                flags = set(value.split())
                break
    except OSError:
        pass
    wanted = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8")
    return model, [flag for flag in wanted if flag in flags]


def _versions():
    names = {"skser": "skser", "numpy": "numpy", "scikit-learn": "sklearn", "torch": "torch",
             "onnxruntime": "onnxruntime", "librosa": "librosa"}
    found = {"python": platform.python_version()}
    for name, module in names.items():
        if module in sys.modules:  # only what the script used
            found[name] = getattr(sys.modules[module], "__version__", None)
    return found


def _plain(value):
    """numpy scalars and arrays, tuples and paths as JSON's own types."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def write_record(script, figures, *, threads=None, notes=None, name=None):
    """Write what a benchmark printed as ``benchmarks/records/<script>.json``.

    The documentation renders its benchmark pages from these records, so no figure is
    copied by hand. A record holds the command that was run, the commit (and whether the
    work tree had changes under ``skser/`` or ``benchmarks/``), the CPU model, the thread
    count, the date, the run's wall time, the versions of the packages the script
    imported, and ``figures``.

    Parameters
    ----------
    script : str
        The benchmark's ``__file__``.
    figures : dict
        The numbers the script prints, under the names it prints them with. A value is a
        number, a string, a dict of them (one table of name and value), or a list of
        dicts with the same keys (a table, one dict per row).
    threads : int, optional
        The thread count the figures were measured with (default: torch's, where the
        script imported torch).
    notes : str, optional
        One sentence a reader needs to read the figures right.
    name : str, optional
        The record's name, default the script's (``bench_x``); a variant of a run (other
        options) may write its own, such as ``bench_robustness-copies``.

    Returns
    -------
    path : pathlib.Path
        The record written. ``SKSER_BENCH_RECORD=0`` writes none (and returns None), for
        smoke runs whose figures should not replace a real record.
    """
    if os.environ.get("SKSER_BENCH_RECORD", "1") == "0":
        return None
    script = Path(script).resolve()
    if threads is None and "torch" in sys.modules:
        threads = sys.modules["torch"].get_num_threads()
    model, flags = cpu_model()
    status = _git("status", "--porcelain", "--", "skser", "benchmarks")
    record = {
        "script": script.name,
        "command": shlex.join(["python", f"benchmarks/{script.name}", *sys.argv[1:]]),
        "commit": _git("rev-parse", "HEAD"),
        "dirty": bool(status and any(not line.endswith(".json") for line in
                                     status.splitlines())),
        "cpu": model,
        "cpu_flags": flags,
        "cpu_count": os.cpu_count(),
        "threads": threads,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - _STARTED, 1),
        "load_average": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
        "versions": _versions(),
        "notes": notes,
        "figures": _plain(figures),
    }
    RECORDS.mkdir(parents=True, exist_ok=True)
    path = RECORDS / f"{name or script.stem}.json"
    path.write_text(json.dumps(record, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
    print(f"record written to {path.relative_to(REPO_ROOT)}")
    return path
