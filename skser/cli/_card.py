"""The model card ``skser train`` and ``evaluate --save`` attach to the model they save."""

import numpy as np

from ..utils import task_of

__all__ = ["attach_card"]


def _data_entry(card, corpus, role, sampler):
    speakers = None if corpus.caveat else int(np.unique(corpus.speakers).size)
    copies = None if sampler is None else (
        f"{sampler.n_copies} noisy copies of each clip ({', '.join(sampler.kinds)})")
    card.add_training_data(corpus.name, source=corpus.source, n_clips=len(corpus),
                           n_speakers=speakers, role=role, noisy_copies=copies)


def _split(corpus):
    if corpus.caveat:
        return "held-out"
    same = np.array_equal(np.asarray(corpus.groups), np.asarray(corpus.speakers))
    return "leave-one-speaker-out" if same else "leave-one-session-out"


def _calibration(model, report, sampler):
    """How the probabilities were calibrated, and what the evaluation measured of them."""
    head = model.steps[-1][1] if hasattr(model, "steps") else model
    temperature = getattr(head, "temperature_", None)
    if temperature is None:
        return None
    copies = "" if sampler is None else " and its noisy copies"
    calibration = {"method": f"temperature scaling on the validation group{copies}",
                   "temperature": round(float(temperature), 4)}
    measured = getattr(report, "calibration", None)
    if measured:
        calibration["evaluation (pooled out-of-fold)"] = {
            name: round(float(value), 4) for name, value in measured["pooled"].items()}
    return calibration


def attach_card(model, args, corpus, extra=None, report=None, sampler=None):
    """Set ``model.model_card_``: what it is, what it learnt from, how it was evaluated.

    ``sampler`` is the ``NoisyCopies`` the model was trained and validated with, if any.
    The card travels in the saved ``.joblib``, into an ONNX export, and to the Hub
    (:mod:`skser.hub`).
    """
    from ..hub import ModelCard

    task = task_of(model)
    card = ModelCard(task=task.name, labels=[str(n) for n in task.output_names(model)],
                     pipeline=[type(step).__name__ for _, step in getattr(model, "steps", [])]
                     or [type(model).__name__],
                     data_license=getattr(args, "data_license", None))
    _data_entry(card, corpus, "train", sampler)
    if extra is not None:
        _data_entry(card, extra, "extra-train", sampler)
    if corpus.caveat:
        card.notes.append(corpus.caveat)
    card.calibration = _calibration(model, report, sampler)
    while report is not None:
        card.add_evaluation(report, split=_split(corpus), data=corpus.name,
                            protocol="plain" if report.protocol == "plain" else
                            "speaker-adapted", note=corpus.caveat)
        report = report.adapted
    model.model_card_ = card.to_dict()
    return model
