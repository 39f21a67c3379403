"""Where DistilHuBERT weights come from, and errors about them that people can act on."""

import os
import pickle
import socket
import threading
from pathlib import Path
from urllib.parse import urlparse

from ..exceptions import ModelLoadError
from ..utils import expand_path

__all__ = ["ModelLoadError", "check_local_folder", "hub_offline_reason", "model_source"]

OFFLINE_HELP = (
    "Pretrained weights come from the Hugging Face Hub and nothing is downloaded without "
    "network access. Either download them once where there is network "
    "(`huggingface-cli download ntu-spml/distilhubert`, or `HubertModel.from_pretrained(...)"
    ".save_pretrained(folder)`) and pass model='/path/to/folder', or fill the hub cache "
    "(HF_HOME) and set local_files_only=True."
)
CACHE_HELP = (
    "local_files_only=True reads the local Hugging Face cache (HF_HOME, by default "
    "~/.cache/huggingface) and never downloads: fill it once with `huggingface-cli "
    "download ntu-spml/distilhubert`, or pass model='/path/to/folder' written by "
    "save_pretrained."
)
CONVERT_HELP = (
    "If you trust the file, convert it once: `model = HubertModel(HubertConfig."
    "from_pretrained(folder)); model.load_state_dict(torch.load(folder + "
    "'/pytorch_model.bin', weights_only=False)); model.save_pretrained(folder, "
    "safe_serialization=True)`"
)
_PROBE_TIMEOUT = 2.0
_TRUE = {"1", "true", "yes", "on"}


def model_source(model):
    """``model`` as a string, and whether it names a local folder rather than a hub id.

    A path-like, an existing path, an absolute path, or a string starting with ``.`` or
    ``~`` or holding more than one ``/`` (hub ids are ``name`` or ``owner/name``) is a
    folder; ``~`` is expanded.
    """
    if isinstance(model, os.PathLike):
        return os.fspath(expand_path(model)), True
    text = str(model)
    expanded = os.fspath(expand_path(text))
    local = (
        os.path.exists(expanded)
        or os.path.isabs(expanded)
        or text.startswith((".", "~"))
        or text.count("/") > 1
        or "\\" in text
    )
    return (expanded if local else text), local


def check_local_folder(folder):
    """Raise a clear error unless ``folder`` is a folder written by ``save_pretrained``."""
    path = Path(folder)
    if not path.exists():
        raise FileNotFoundError(
            f"the model folder {folder} does not exist (resolved from the working folder "
            f"{os.getcwd()}); pass a folder written by save_pretrained, or a hub id such as "
            "'ntu-spml/distilhubert'"
        )
    if not path.is_dir():
        raise ModelLoadError(f"model must be a folder written by save_pretrained, got a file: "
                             f"{folder}")
    if not (path / "config.json").is_file():
        raise ModelLoadError(
            f"the model folder {folder} has no config.json: it was not written by "
            "save_pretrained"
        )
    if not any(path.glob("*.safetensors")) and not any(path.glob("pytorch_model*.bin")):
        raise ModelLoadError(
            f"the model folder {folder} holds no weights (no *.safetensors, no "
            "pytorch_model.bin)"
        )


def unsafe_pickle_error(folder, exc):
    """The error for a ``.bin`` checkpoint that ``torch.load(weights_only=True)`` refuses."""
    return ModelLoadError(
        f"the model folder {folder} has no safetensors weights, and its pytorch_model.bin "
        "is a pickle that torch.load(weights_only=True) refuses (it holds more than "
        "tensors); skser never unpickles code. " + CONVERT_HELP + f". ({exc})"
    )


def is_unsafe_pickle(exc):
    return isinstance(exc, pickle.UnpicklingError) or "weights_only" in str(exc)


def _env_offline():
    return any(
        os.environ.get(name, "").strip().lower() in _TRUE
        for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def _endpoint():
    url = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
    return url.hostname or "huggingface.co", url.port or (80 if url.scheme == "http" else 443)


def _can_connect(host, port, timeout):
    """One connection attempt bounded by ``timeout``, name resolution included."""
    reached = []

    def attempt():
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            reached.append(True)
        except OSError:
            pass

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(reached)


def hub_offline_reason():
    """Why the hub cannot be reached (a sentence), or None when it can.

    ``HF_HUB_OFFLINE`` (or ``TRANSFORMERS_OFFLINE``) set, or one connection attempt to the
    hub's host that fails within 2 s. Without this check, transformers spends about half a
    minute in retries before it gives up.
    """
    if _env_offline():
        return "HF_HUB_OFFLINE is set"
    host, port = _endpoint()
    if not _can_connect(host, port, _PROBE_TIMEOUT):
        return f"{host}:{port} cannot be reached"
    return None
