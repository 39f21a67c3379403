"""ModelCard: what a saved skser model is, what it learnt from and how it was evaluated.

Standard library only: the deployment install reads cards from ONNX metadata.
"""

import json
from dataclasses import asdict, dataclass, field
from datetime import date

__all__ = ["ModelCard"]

PROTOCOLS = ("plain", "speaker-adapted")
SPLITS = ("leave-one-speaker-out", "leave-one-session-out", "cross-corpus", "held-out")


# The scores shown first, in this order, under these names (others follow, sorted).
_FIRST = {"wa": "WA", "ua": "UA", "macro_f1": "macro-F1", "ccc": "CCC"}


def _format_figure(value):
    return "n/a" if value is None else f"{100 * value:.1f}"


@dataclass
class ModelCard:
    """The card every saved skser model carries (``.joblib`` attribute, ONNX metadata).

    Read more in the :ref:`User Guide <model_cards>`.

    Parameters
    ----------
    task : {"categorical", "dimensional"}
        Emotion classes, or dimensions' values.
    labels : list of str
        The classes (categorical) or the dimensions' names (dimensional), in output order.
    sample_rate : int, default=16000
        The rate the model reads audio at, in Hz.
    pipeline : list of str
        The steps' class names, in order.
    training_data : list of dict
        One entry per corpus the model learnt from: ``name``, ``source`` (a corpus name,
        a manifest or a folder), ``n_clips``, ``n_speakers`` (None where unknown) and
        ``role`` (``"train"`` or ``"extra-train"``), and ``noisy_copies`` where the
        model also learnt from noisy copies of the clips (what they were, in words).
    evaluations : list of dict
        One entry per evaluation run: ``protocol`` (plain or speaker-adapted), ``split``
        (leave-one-speaker-out, leave-one-session-out, cross-corpus, held-out),
        ``data``, ``n_folds``, and ``scores``: ``{metric: [mean, std]}``.
    calibration : dict, optional
        How the probabilities were calibrated (method, parameters, figures).
    data_license : str, optional
        The licence of the training data, as the user states it (skser cannot know it).
    skser_version : str
        The skser version that wrote the card.
    created : str
        The ISO date of the card.
    notes : list of str
        Caveats every reader must see (e.g. an evaluation that is not speaker-independent).

    Examples
    --------
    >>> card = ModelCard(task="categorical", labels=["ang", "hap"], pipeline=["Trimmer"])
    >>> card.add_training_data("ravdess", source="ravdess", n_clips=336, n_speakers=12)
    >>> card.add_evaluation({"ua": (0.66, 0.12)}, split="leave-one-speaker-out",
    ...                     data="ravdess", n_folds=12)
    >>> ModelCard.from_json(card.to_json()) == card
    True
    >>> print(card.to_text().splitlines()[0])
    skser model: categorical, 2 classes (ang, hap), 16000 Hz
    """

    task: str
    labels: list
    sample_rate: int = 16000
    pipeline: list = field(default_factory=list)
    training_data: list = field(default_factory=list)
    evaluations: list = field(default_factory=list)
    calibration: dict | None = None
    data_license: str | None = None
    skser_version: str = ""
    created: str = ""
    notes: list = field(default_factory=list)

    def __post_init__(self):
        if self.task not in ("categorical", "dimensional"):
            raise ValueError(f"a model card's task is 'categorical' or 'dimensional', got "
                             f"{self.task!r}")
        self.labels = [str(label) for label in self.labels]
        if not self.skser_version:
            from .. import __version__

            self.skser_version = __version__
        if not self.created:
            self.created = date.today().isoformat()

    # -- filling ---------------------------------------------------------------------

    def add_training_data(self, name, *, source, n_clips, n_speakers=None, role="train",
                          noisy_copies=None):
        """Record a corpus the model learnt from (``noisy_copies``: the copies of its clips
        it also learnt from, in words, such as ``"2 noisy copies of each clip (room)"``)."""
        entry = {
            "name": str(name), "source": str(source), "n_clips": int(n_clips),
            "n_speakers": None if n_speakers is None else int(n_speakers), "role": role,
        }
        if noisy_copies:
            entry["noisy_copies"] = str(noisy_copies)
        self.training_data.append(entry)

    def add_evaluation(self, report, *, split, data, protocol="plain", n_folds=None,
                       note=None):
        """Record an evaluation: a report (with ``mean``, ``std``, ``n_folds``) or scores.

        Parameters
        ----------
        report : SessionReport or DimensionalReport or dict
            A report of :func:`skser.model_selection.evaluate_sessions`, or
            ``{metric: (mean, std)}``.
        split : str
            How train and test were separated (one of ``SPLITS``).
        data : str
            What it was evaluated on.
        protocol : {"plain", "speaker-adapted"}, default="plain"
        n_folds : int, optional
            Taken from the report where it has them.
        note : str, optional
            A caveat added to ``notes`` (shown wherever the card is).
        """
        if protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {PROTOCOLS}, got {protocol!r}")
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
        if isinstance(report, dict):
            scores = {str(k): [float(v[0]), float(v[1])] for k, v in report.items()}
        else:
            mean, std = report.mean, report.std
            scores = {str(k): [float(mean[k]), float(std[k])] for k in mean}
            n_folds = report.n_folds if n_folds is None else n_folds
        self.evaluations.append({
            "protocol": protocol, "split": split, "data": str(data),
            "n_folds": None if n_folds is None else int(n_folds), "scores": scores,
        })
        if note and note not in self.notes:
            self.notes.append(note)

    # -- reading and writing ---------------------------------------------------------

    def to_dict(self):
        """A JSON-ready dict of every field."""
        return asdict(self)

    def to_json(self):
        """The card as one JSON string (what ONNX metadata and ``config.json`` hold)."""
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data):
        """Read :meth:`to_dict`'s output back; unknown keys (a newer skser's) are kept out."""
        if not isinstance(data, dict) or "task" not in data:
            raise ValueError("not a skser model card: expected a dict with 'task' and 'labels'")
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)

    @classmethod
    def from_json(cls, text):
        """Read :meth:`to_json`'s output back."""
        try:
            data = json.loads(text)
        except (TypeError, json.JSONDecodeError) as exc:
            raise ValueError(f"a model card is not valid JSON: {exc}") from None
        return cls.from_dict(data)

    # -- rendering -------------------------------------------------------------------

    def _summary(self):
        kind = "classes" if self.task == "categorical" else "dimensions"
        return (f"skser model: {self.task}, {len(self.labels)} {kind} "
                f"({', '.join(self.labels)}), {self.sample_rate} Hz")

    def _evaluation_lines(self):
        lines = []
        for entry in self.evaluations:
            scores = entry["scores"]
            names = [n for n in _FIRST if n in scores] + sorted(
                n for n in scores if n not in _FIRST and not n.startswith("f1_"))
            figures = ", ".join(f"{_FIRST.get(name, name)} {_format_figure(scores[name][0])} "
                                f"± {_format_figure(scores[name][1])}" for name in names)
            folds = f", {entry['n_folds']} folds" if entry["n_folds"] else ""
            lines.append(f"{entry['split']} ({entry['protocol']}) on {entry['data']}"
                         f"{folds}: {figures}")
        return lines

    def _data_lines(self):
        return [f"{entry['name']} ({entry['role']}; {entry['source']}): {entry['n_clips']} "
                f"clips, {entry['n_speakers'] if entry['n_speakers'] is not None else 'unknown'}"
                " speakers" + (f", and {entry['noisy_copies']}" if entry.get("noisy_copies")
                               else "") for entry in self.training_data]

    def to_text(self):
        """The card as plain text (``skser info``)."""
        lines = [self._summary(), f"pipeline: {' -> '.join(self.pipeline) or 'unknown'}"]
        lines += ["training data:"] + [f"  {line}" for line in self._data_lines() or ["unknown"]]
        lines += ["evaluation:"] + [f"  {line}" for line in self._evaluation_lines()
                                    or ["none recorded"]]
        if self.calibration:
            lines.append(f"calibration: {json.dumps(self.calibration, sort_keys=True)}")
        lines.append(f"data licence: {self.data_license or 'not stated'}")
        lines.append(f"skser {self.skser_version}, {self.created}")
        lines += [f"NOTE: {note}" for note in self.notes]
        return "\n".join(lines)

    def to_markdown(self):
        """The card as a Hugging Face Hub README: YAML metadata, then the text."""
        tags = ["skser", "speech-emotion-recognition", "audio",
                "audio-classification" if self.task == "categorical" else "regression"]
        yaml = ["---", "library_name: skser", "tags:", *[f"- {tag}" for tag in tags]]
        if self.data_license:
            yaml.append(f"license: {json.dumps(self.data_license)}")
        names = [entry["name"] for entry in self.training_data]
        if names:
            yaml += ["datasets:", *[f"- {json.dumps(name)}" for name in names]]
        yaml.append("---")
        body = [f"# {self._summary()}", "", f"Pipeline: {' → '.join(self.pipeline)}", ""]
        body += ["## Training data", ""] + [f"- {line}" for line in self._data_lines()
                                             or ["not recorded"]]
        body += ["", "## Evaluation", ""] + [f"- {line}" for line in self._evaluation_lines()
                                            or ["none recorded"]]
        if self.notes:
            body += ["", "## Caveats", ""] + [f"- {note}" for note in self.notes]
        if self.calibration:
            body += ["", "## Calibration", "", "```json",
                     json.dumps(self.calibration, indent=2, sort_keys=True), "```"]
        body += ["", f"Data licence: {self.data_license or 'not stated'}. Written by skser "
                 f"{self.skser_version} on {self.created}.", "",
                 "<!-- skser-card", self.to_json(), "-->"]
        return "\n".join(yaml + [""] + body) + "\n"

    @classmethod
    def from_markdown(cls, text):
        """Read the card back from :meth:`to_markdown`'s README."""
        start = text.find("<!-- skser-card")
        end = text.find("-->", start)
        if start < 0 or end < 0:
            raise ValueError("this README holds no skser model card")
        return cls.from_json(text[start + len("<!-- skser-card"):end].strip())
