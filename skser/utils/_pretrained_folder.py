"""Where a saved skser model's files are: a local folder, or a Hugging Face Hub snapshot.

Shared by :func:`skser.hub.from_pretrained` and ``OnnxPipeline.from_pretrained`` (the
deployment install: no torch, no scikit-learn; huggingface_hub only for a Hub id).
"""

import json
import os
from pathlib import Path

from ..exceptions import ModelLoadError
from ._paths import expand_path

__all__ = ["CONFIG_FILE", "pretrained_folder"]

CONFIG_FILE = "config.json"
MODEL_FORMATS = ("onnx", "skops", "joblib")


def _snapshot(repo_id, revision, local_files_only):
    try:
        from huggingface_hub import snapshot_download
    except ImportError:
        raise ImportError("loading a model by Hub id needs huggingface_hub (pip install "
                          "huggingface_hub); a local folder needs nothing more",
                          name="huggingface_hub") from None
    try:
        return Path(snapshot_download(repo_id, revision=revision,
                                      local_files_only=local_files_only))
    except Exception as exc:  # huggingface_hub raises many kinds of errors
        raise OSError(f"cannot get the skser model {repo_id!r} (revision {revision!r}) from "
                      f"the Hugging Face Hub or its local cache: {type(exc).__name__}: "
                      f"{exc}") from exc


def pretrained_folder(repo_id_or_folder, *, revision=None, local_files_only=False):
    """``(folder, config, model file)`` of a model written by ``save_pretrained``.

    A local folder is used as it is; anything else is a Hub repo id (``owner/name``),
    fetched with huggingface_hub (its local cache first).

    Raises
    ------
    FileNotFoundError
        For a path that names no folder.
    ModelLoadError
        For a folder without a readable ``config.json``, or whose model file is missing.
    """
    path = expand_path(repo_id_or_folder)
    text = os.fspath(repo_id_or_folder)
    if path.is_dir():
        folder = path
    elif path.exists() or text.startswith((".", "/", "~")) or text.count("/") > 1:
        raise FileNotFoundError(f"no skser model folder at {path}")
    else:
        folder = _snapshot(text, revision, local_files_only)
    config_path = folder / CONFIG_FILE
    if not config_path.is_file():
        raise ModelLoadError(f"{folder} is not a skser model folder: it has no {CONFIG_FILE}")
    try:
        config = json.loads(config_path.read_text())
        file = folder / config["file"]
        format = config["format"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ModelLoadError(f"{config_path} is not a skser model config: {exc}") from None
    if format not in MODEL_FORMATS or not file.is_file():
        raise ModelLoadError(f"{config_path} names a {format!r} model file {file.name!r} "
                             "that is not in the folder")
    return folder, config, file
