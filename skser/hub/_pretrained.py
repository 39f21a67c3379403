"""save_pretrained / from_pretrained / push_to_hub: a skser model as a Hugging Face repo folder.

A folder holds the model file (``model.onnx``, ``model.skops`` or ``model.joblib``),
``README.md`` (the card, with the Hub's YAML metadata) and ``config.json`` (what a
reader needs to load it). An ONNX folder loads in the deployment install
(onnxruntime, no torch or scikit-learn).
"""

import json
import os
import shutil

from ..exceptions import ModelLoadError
from ..utils import expand_path, pretrained_folder
from ._card import ModelCard

__all__ = ["from_pretrained", "push_to_hub", "read_card", "save_pretrained"]

README_FILE = "README.md"
FORMATS = {"onnx": "model.onnx", "skops": "model.skops", "joblib": "model.joblib"}


def _is_onnx_model(model):
    return type(model).__name__ == "OnnxPipeline" or (
        isinstance(model, str | os.PathLike) and os.fspath(model).endswith(".onnx"))


def read_card(model):
    """The :class:`ModelCard` a model carries, or None.

    Parameters
    ----------
    model : Pipeline, OnnxPipeline or str
        A fitted pipeline (its ``model_card_``), an exported model, or an ``.onnx`` path.
    """
    if isinstance(model, str | os.PathLike):
        from ..export import OnnxPipeline

        model = OnnxPipeline(expand_path(model))
    card = getattr(model, "model_card_", None)  # a dict, on pipelines and OnnxPipeline
    return None if card is None else ModelCard.from_dict(card)


def _default_format():
    try:
        import skops.io  # noqa: F401
    except ImportError:
        return "joblib"
    return "skops"


def save_pretrained(model, folder, *, card=None, format=None):
    """Write a model as a Hub repo folder: the model file, ``README.md``, ``config.json``.

    Read more in the :ref:`User Guide <model_cards>`.

    Parameters
    ----------
    model : Pipeline, OnnxPipeline or str
        A fitted pipeline, an exported model, or the path of an ``.onnx`` file.
    folder : str or os.PathLike
        Created if needed (``~`` is expanded); files of the same names are replaced.
    card : ModelCard, optional
        The card; default: the one the model carries (a fitted pipeline's ``model_card_``,
        an ONNX model's metadata).
    format : {"skops", "joblib"}, optional
        How a fitted pipeline is written: skops (safe to load from others; the default
        where skops is installed) or joblib (a pickle). An ONNX model is copied as is.

    Returns
    -------
    folder : pathlib.Path
    """
    folder = expand_path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    card = card or read_card(model)
    if card is None:
        raise ValueError("this model carries no model card: pass card=ModelCard(...) (skser "
                         "train and evaluate --save write one)")
    if _is_onnx_model(model):
        format = "onnx"
        source = model.path_ if type(model).__name__ == "OnnxPipeline" else model
        shutil.copyfile(expand_path(source), folder / FORMATS["onnx"])
    else:
        format = format or _default_format()
        if format not in ("skops", "joblib"):
            raise ValueError(f"format must be 'skops' or 'joblib', got {format!r}")
        model.model_card_ = card.to_dict()
        if format == "skops":
            import skops.io

            skops.io.dump(model, folder / FORMATS["skops"])
        else:
            import joblib

            joblib.dump(model, folder / FORMATS["joblib"])
    config = {"library_name": "skser", "format": format, "file": FORMATS[format],
              "task": card.task, "labels": card.labels, "sample_rate": card.sample_rate,
              "skser_version": card.skser_version}
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    (folder / README_FILE).write_text(card.to_markdown())
    return folder


def from_pretrained(repo_id_or_folder, *, revision=None, local_files_only=False,
                    trust_pickle=False):
    """Load a model written by :func:`save_pretrained`, from a folder or the Hub.

    Parameters
    ----------
    repo_id_or_folder : str or os.PathLike
        A folder, or a Hub repo id (``owner/name``) fetched with huggingface_hub (its local
        cache is used first; ``HF_HUB_OFFLINE=1`` keeps it offline).
    revision : str, optional
        A Hub branch, tag or commit.
    local_files_only : bool, default=False
        Use the local Hub cache only.
    trust_pickle : bool, default=False
        A ``model.joblib`` is a pickle, which runs code when loaded: it is loaded only
        with ``trust_pickle=True``, for a source you trust. ``model.skops`` is loaded with
        skser's trusted types only (:func:`skser.utils.skops_trusted_types`).

    Returns
    -------
    model : OnnxPipeline or Pipeline
        With its card in ``model_card_`` (a pipeline) or its metadata (an OnnxPipeline).
    """
    _, config, file = pretrained_folder(repo_id_or_folder, revision=revision,
                                        local_files_only=local_files_only)
    format = config["format"]
    if format == "onnx":
        from ..export import OnnxPipeline

        return OnnxPipeline(file)
    if format == "skops":
        import skops.io

        from ..utils import skops_trusted_types

        return skops.io.load(file, trusted=skops_trusted_types())
    if not trust_pickle:
        raise ModelLoadError(f"{file} is a pickle, which runs code when it is loaded: load "
                             "it only from a source you trust, with trust_pickle=True")
    import joblib

    return joblib.load(file)


def push_to_hub(model, repo_id, *, card=None, format=None, private=False, token=None,
                commit_message="Upload skser model"):
    """Write the model with :func:`save_pretrained` and upload the folder to the Hub.

    Needs huggingface_hub and a token with write access (``huggingface-cli login``).

    Returns
    -------
    commit : huggingface_hub.CommitInfo
    """
    import tempfile

    from huggingface_hub import HfApi

    api = HfApi(token=token)
    with tempfile.TemporaryDirectory() as scratch:
        save_pretrained(model, scratch, card=card, format=format)
        api.create_repo(repo_id, private=private, exist_ok=True)
        return api.upload_folder(repo_id=repo_id, folder_path=scratch,
                                 commit_message=commit_message)
