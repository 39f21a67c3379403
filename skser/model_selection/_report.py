"""The report of a session-wise (or cross-corpus) evaluation of a classifier."""

from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import confusion_matrix

from ..metrics import (
    COVERAGE_THRESHOLDS,
    calibration_scores,
    check_label_targets,
    coverage_curve,
    per_class_f1,
    per_class_recall,
    reliability_curve,
    unweighted_accuracy,
    weighted_accuracy,
)
from ..utils import CATEGORICAL
from ._adapt import PROTOCOLS, SHORT_NAMES
from ._base_report import BaseFoldResult, BaseReport

__all__ = ["AROUSAL", "ArousalView", "FoldResult", "SessionReport"]

AROUSAL = {"ang": "high", "hap": "high", "neu": "low", "sad": "low"}
"""dict: The arousal level of each of the paper's four classes."""

_METRICS = ("wa", "ua", "macro_f1")
_METRIC_NAMES = {"wa": "WA", "ua": "UA", "macro_f1": "macro-F1"}
_CALIBRATION = ("ece", "brier", "nll")
_CALIBRATION_NAMES = {"ece": "ECE", "brier": "Brier", "nll": "NLL"}


def _row_normalize(counts):
    totals = counts.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, counts / np.maximum(totals, 1), 0.0)


def _percent(value, digits):
    return "n/a" if np.isnan(value) else f"{100 * value:.{digits}f}"


def _markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _text_matrix(matrix, labels, fmt):
    names = [str(label) for label in labels]
    cells = [[fmt(value) for value in row] for row in matrix]
    width = max(len(text) for text in names + [c for row in cells for c in row])
    lead = max(len(name) for name in names)
    lines = [" " * (lead + 3) + " ".join(name.rjust(width) for name in names)]
    for name, row in zip(names, cells):
        lines.append("  " + name.ljust(lead) + " " + " ".join(c.rjust(width) for c in row))
    return "\n".join(lines)


@dataclass(eq=False)
class FoldResult(BaseFoldResult):
    """What one fold of an evaluation of a classifier produced.

    Attributes
    ----------
    fold, test_group, val_group, test_index, n_train, n_val, used_validation, fit_time, \
predict_time
        As in :class:`BaseFoldResult`.
    y_true, y_pred : np.ndarray [shape=(n_test,)]
        True and predicted classes of the tested rows.
    labels : np.ndarray [shape=(n_labels,)]
        The classes, in report order.
    estimator : estimator or None
        The fold's fitted estimator, when asked for with ``return_estimator=True``.
    wa, ua, macro_f1 : float
        The fold's scores. Macro-F1 averages the classes true or predicted in the fold.
    per_class_f1 : dict
        ``{label: f1}``; NaN for a class neither true nor predicted in the fold.
    confusion_matrix : np.ndarray [shape=(n_labels, n_labels)]
        Counts, rows true classes, columns predicted classes.
    y_proba : np.ndarray [shape=(n_test, n_labels)] or None
        The class probabilities of the tested rows, columns in the order of ``labels``
        (0 for a class the fold's model does not know); None for a model without
        ``predict_proba``.
    ece, brier, nll : float
        The calibration of ``y_proba``: top-label expected calibration error (10 bins),
        multi-class Brier score and negative log-likelihood (see
        :func:`skser.metrics.calibration_scores`); NaN without probabilities.
    """

    # After the base's fields, in the order FoldResult has always had: columns, estimator.
    labels: np.ndarray
    estimator: object = None
    y_proba: np.ndarray = None
    wa: float = field(init=False)
    ua: float = field(init=False)
    macro_f1: float = field(init=False)
    per_class_f1: dict = field(init=False)
    confusion_matrix: np.ndarray = field(init=False)
    ece: float = field(init=False)
    brier: float = field(init=False)
    nll: float = field(init=False)

    columns_name = "labels"

    def __post_init__(self):
        labels = self.labels
        self.wa = weighted_accuracy(self.y_true, self.y_pred, labels=labels)
        self.ua = unweighted_accuracy(self.y_true, self.y_pred, labels=labels)
        self.per_class_f1 = per_class_f1(
            self.y_true, self.y_pred, labels=labels, zero_division=np.nan
        )
        self.macro_f1 = float(np.nanmean(list(self.per_class_f1.values())))
        self.confusion_matrix = confusion_matrix(self.y_true, self.y_pred, labels=labels)
        scores = dict.fromkeys(_CALIBRATION, float("nan"))
        if self.y_proba is not None:
            scores = calibration_scores(self.y_true, self.y_proba, labels=labels)
        self.ece, self.brier, self.nll = (scores[name] for name in _CALIBRATION)

    def __repr__(self):
        return (
            f"FoldResult(fold={self.fold}, test_group={self.test_group!r}, "
            f"val_group={self.val_group!r}, n_test={len(self.y_true)}, wa={self.wa:.3f}, "
            f"ua={self.ua:.3f}, macro_f1={self.macro_f1:.3f})"
        )


@dataclass(eq=False)
class ArousalView:
    """Emotion predictions seen as arousal levels (high: ang, hap; low: neu, sad).

    The paper's analysis of cross-corpus errors: most confusions stay within one arousal
    level.

    Attributes
    ----------
    mapping : dict
        ``{label: level}``.
    levels : tuple
        The levels, in the order of the matrix rows.
    confusion_matrix : np.ndarray [shape=(n_levels, n_levels)]
        Counts, rows true levels, columns predicted levels.
    recall : dict
        ``{level: recall}``.
    accuracy : float
        The fraction of clips whose predicted class has the true arousal level.
    per_class_recall : dict
        ``{label: recall}`` of the emotion classes.
    """

    mapping: dict
    levels: tuple
    confusion_matrix: np.ndarray
    recall: dict
    accuracy: float
    per_class_recall: dict

    @property
    def normalized_confusion_matrix(self):
        """np.ndarray [shape=(n_levels, n_levels)]: Rows divided by their totals."""
        return _row_normalize(self.confusion_matrix)

    def __str__(self):
        lines = [
            f"Arousal ({', '.join(f'{k}: {v}' for k, v in self.mapping.items())}): "
            f"accuracy {_percent(self.accuracy, 1)} %",
            _text_matrix(self.confusion_matrix, self.levels, str),
            "recall per level: "
            + ", ".join(f"{k} {_percent(v, 1)}" for k, v in self.recall.items())
            + " %",
            "recall per class: "
            + ", ".join(f"{k} {_percent(v, 1)}" for k, v in self.per_class_recall.items())
            + " %",
        ]
        return "\n".join(lines)


def arousal_view(y_true, y_pred, *, labels, mapping=None):
    """Compute an :class:`ArousalView`; ``mapping`` defaults to :data:`AROUSAL`."""
    mapping = dict(AROUSAL if mapping is None else mapping)
    labels = np.asarray(labels)
    unmapped = [label for label in labels.tolist() if label not in mapping]
    if unmapped:
        raise ValueError(
            f"the arousal mapping has no level for the classes {unmapped}: pass "
            "arousal={label: level, ...} covering every class, or arousal=False"
        )
    levels = tuple(dict.fromkeys(mapping[label] for label in labels.tolist()))
    true_levels = np.array([mapping[v] for v in np.asarray(y_true).tolist()], dtype=object)
    pred_levels = np.array([mapping[v] for v in np.asarray(y_pred).tolist()], dtype=object)
    counts = confusion_matrix(true_levels, pred_levels, labels=list(levels))
    support = counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.where(support > 0, np.diag(counts) / np.maximum(support, 1), np.nan)
    return ArousalView(
        mapping={label: mapping[label] for label in labels.tolist()},
        levels=levels,
        confusion_matrix=counts,
        recall=dict(zip(levels, recall.tolist())),
        accuracy=float(np.mean(true_levels == pred_levels)),
        per_class_recall=per_class_recall(y_true, y_pred, labels=labels),
    )


class SessionReport(BaseReport):
    """Scores of a leave-one-session-out (or cross-corpus) evaluation of a classifier.

    Read more in the :ref:`User Guide <evaluation>`.

    Made by :func:`evaluate_sessions` and :func:`evaluate_cross_corpus`.

    Attributes
    ----------
    folds : list of FoldResult
        One per fold, in fold order.
    labels : np.ndarray [shape=(n_labels,)]
        The classes, in the order of every table and matrix.
    y_true : np.ndarray [shape=(n_clips,)]
        True classes of the tested clips, in the order of the input rows.
    y_pred : np.ndarray [shape=(n_clips,)]
        Out-of-fold predictions: each clip predicted by the model that did not see its
        group.
    groups : np.ndarray [shape=(n_clips,)]
        The group of each clip.
    test_fold : np.ndarray [shape=(n_clips,)]
        The fold that tested each clip.
    arousal : ArousalView or None
        The arousal view (set by :func:`evaluate_cross_corpus`; see :meth:`arousal_view`).
    protocol : str
        The protocol that produced these numbers: ``"plain"``, or ``"speaker"``
        (speaker-adapted, transductive); see ``PROTOCOLS``.
    adapted : SessionReport or None
        The speaker-adapted protocol on the same folds (``evaluate_sessions(...,
        adapt="speaker")``), shown after this report's own numbers.
    y_proba : np.ndarray [shape=(n_clips, n_labels)] or None
        Out-of-fold class probabilities, columns in the order of ``labels`` (NaN rows
        for clips no fold tested); None when a fold's model has no ``predict_proba``.
        Their calibration is :attr:`calibration`, :meth:`reliability_curve`,
        :meth:`plot_reliability_diagram` and :meth:`coverage_curve`.
    """

    task = CATEGORICAL
    fold_class = FoldResult

    def __init__(self, folds, *, labels, n_clips, groups=None, description="", arousal=None,
                 protocol="plain", adapted=None):
        self.labels = np.asarray(labels)
        self.arousal = arousal
        super().__init__(folds, n_clips=n_clips, groups=groups, description=description,
                         protocol=protocol, adapted=adapted)
        self.y_proba = None
        if all(fold.y_proba is not None for fold in self.folds):
            self.y_proba = np.full((n_clips, self.labels.size), np.nan)
            for fold in self.folds:
                self.y_proba[fold.test_index] = fold.y_proba

    def _allocate(self, n_clips):
        first = self.folds[0]
        return (np.empty(n_clips, dtype=first.y_true.dtype),
                np.empty(n_clips, dtype=np.result_type(first.y_pred, first.y_true)))

    @classmethod
    def check_predictions(cls, y_true, y_pred, columns):
        """Refuse predicted classes outside ``columns`` (the report's labels)."""
        check_label_targets(y_true, y_pred, labels=columns)

    @classmethod
    def fold_extras(cls, result, columns):
        """The fold's probabilities, as columns of the report's labels (``y_proba``).

        Left out (None) when the model gave none, names classes outside the labels, or
        gave values that are not probabilities.
        """
        proba, classes = result.get("y_proba"), result.get("classes")
        if proba is None or classes is None:
            return {}
        classes = np.asarray(classes).tolist()
        where = {label: index for index, label in enumerate(np.asarray(columns).tolist())}
        valid = (
            proba.shape == (len(result["y_pred"]), len(classes))
            and all(label in where for label in classes)
            and np.isfinite(proba).all()
            and proba.min(initial=0.0) > -1e-6 and proba.max(initial=1.0) < 1 + 1e-6
        )
        if not valid:
            return {}
        aligned = np.zeros((proba.shape[0], len(where)))
        aligned[:, [where[label] for label in classes]] = np.clip(proba, 0.0, 1.0)
        return {"y_proba": aligned}

    @classmethod
    def _cross_corpus_extras(cls, y_true, y_pred, columns, arousal):
        if arousal is None and set(columns.tolist()) <= set(AROUSAL):
            arousal = AROUSAL
        view = arousal_view(y_true, y_pred, labels=columns, mapping=arousal) if arousal else None
        return {"arousal": view}

    # -- numbers -----------------------------------------------------------------------

    @property
    def scores(self):
        """dict: ``{metric: np.ndarray [shape=(n_folds,)]}`` for ``wa``, ``ua``,
        ``macro_f1`` and ``f1_<label>`` of each class."""
        scores = {name: np.array([getattr(f, name) for f in self.folds]) for name in _METRICS}
        for label in self.labels.tolist():
            scores[f"f1_{label}"] = np.array([f.per_class_f1[label] for f in self.folds])
        return scores

    @property
    def confusion_matrix(self):
        """np.ndarray [shape=(n_labels, n_labels)]: Counts summed over folds (rows true
        classes, columns predicted classes)."""
        return np.sum([fold.confusion_matrix for fold in self.folds], axis=0)

    @property
    def normalized_confusion_matrix(self):
        """np.ndarray [shape=(n_labels, n_labels)]: :attr:`confusion_matrix` with each
        row divided by its total (the recall of each class on the diagonal)."""
        return _row_normalize(self.confusion_matrix)

    @property
    def per_class_recall(self):
        """dict: ``{label: recall}`` over all tested clips."""
        return per_class_recall(self.y_true, self.y_pred, labels=self.labels)

    @property
    def pooled(self):
        """dict: WA, UA and macro-F1 of all out-of-fold predictions taken together."""
        f1 = per_class_f1(self.y_true, self.y_pred, labels=self.labels, zero_division=np.nan)
        return {
            "wa": weighted_accuracy(self.y_true, self.y_pred, labels=self.labels),
            "ua": unweighted_accuracy(self.y_true, self.y_pred, labels=self.labels),
            "macro_f1": float(np.nanmean(list(f1.values()))),
        }

    # -- calibration --------------------------------------------------------------------

    def _tested_proba(self):
        """The tested clips' classes and probabilities; refused without probabilities."""
        if self.y_proba is None:
            raise ValueError(
                "this report has no probabilities: the evaluated model has no predict_proba"
            )
        tested = self.test_fold >= 0
        return self.y_true[tested], self.y_proba[tested]

    @property
    def calibration(self):
        """dict or None: The calibration of the out-of-fold probabilities.

        ``{"mean": {...}, "std": {...}, "pooled": {...}}``, each ``{"ece": ..., "brier":
        ..., "nll": ...}``: top-label expected calibration error (10 equal-width bins),
        multi-class Brier score and negative log-likelihood, as the mean and standard
        deviation over folds and over all tested clips together (see
        :func:`skser.metrics.calibration_scores`). None without ``y_proba``.
        """
        if self.y_proba is None:
            return None
        scores = {name: np.array([getattr(f, name) for f in self.folds]) for name in _CALIBRATION}
        y_true, y_proba = self._tested_proba()
        return {
            "mean": {name: float(np.mean(values)) for name, values in scores.items()},
            "std": {name: float(np.std(values)) for name, values in scores.items()},
            "pooled": calibration_scores(y_true, y_proba, labels=self.labels),
        }

    def reliability_curve(self, *, n_bins=10):
        """Confidence and accuracy per confidence bin, over all tested clips.

        Parameters
        ----------
        n_bins : int >= 1, default=10
            Equal-width bins of the top probability.

        Returns
        -------
        curve : dict
            ``bin_edges``, ``confidence``, ``accuracy`` and ``count``, as
            :func:`skser.metrics.reliability_curve` gives them.

        Raises
        ------
        ValueError
            Without probabilities (a model without ``predict_proba``).
        """
        y_true, y_proba = self._tested_proba()
        return reliability_curve(y_true, y_proba, labels=self.labels, n_bins=n_bins)

    def coverage_curve(self, *, thresholds=COVERAGE_THRESHOLDS):
        """The accuracy/coverage trade-off of abstaining, over all tested clips.

        A clip is answered when its top probability reaches the threshold, else left
        "uncertain" (see :func:`skser.utils.abstain`).

        Parameters
        ----------
        thresholds : sequence of float in [0, 1], default=COVERAGE_THRESHOLDS
            ``(0.0, 0.3, 0.4, ..., 0.9)`` by default.

        Returns
        -------
        curve : dict
            ``threshold``, ``coverage``, ``n``, ``wa`` and ``ua``, as
            :func:`skser.metrics.coverage_curve` gives them.

        Raises
        ------
        ValueError
            Without probabilities (a model without ``predict_proba``).
        """
        y_true, y_proba = self._tested_proba()
        return coverage_curve(y_true, y_proba, labels=self.labels, thresholds=thresholds)

    def plot_reliability_diagram(self, ax=None, *, n_bins=10):
        """Plot the reliability diagram of the out-of-fold probabilities (matplotlib).

        Bars give the accuracy of the clips in each bin of top probability (their count
        above them), red hatched bars the gap to the bin's mean top probability, and the
        dashed diagonal perfect calibration: bars below it are over-confident, above it
        under-confident.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw; a new figure by default.
        n_bins : int >= 1, default=10
            Equal-width bins of the top probability.

        Returns
        -------
        ax : matplotlib.axes.Axes
            ``ax.patches`` holds the accuracy bars of the non-empty bins first, then the
            gap bars.

        Raises
        ------
        ValueError
            Without probabilities (a model without ``predict_proba``).
        """
        import matplotlib.pyplot as plt

        curve = self.reliability_curve(n_bins=n_bins)
        if ax is None:
            _, ax = plt.subplots(figsize=(5, 4.5))
        edges, filled = curve["bin_edges"], curve["count"] > 0
        left, width = edges[:-1][filled], np.diff(edges)[filled]
        accuracy, confidence = curve["accuracy"][filled], curve["confidence"][filled]
        ax.bar(left, accuracy, width=width, align="edge", color="C0", edgecolor="black",
               linewidth=0.5, label="accuracy")
        ax.bar(left, confidence - accuracy, bottom=accuracy, width=width, align="edge",
               color="none", edgecolor="C3", hatch="//", linewidth=0.5,
               label="gap to mean top probability")
        tops = np.maximum(accuracy, confidence)
        for x, w, top, count in zip(left, width, tops, curve["count"][filled]):
            ax.text(x + w / 2, min(top, 0.97) + 0.01, str(count), ha="center",
                    va="bottom", fontsize="x-small")
        ax.plot([0, 1], [0, 1], linestyle="--", color="0.4", label="perfect calibration")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.05)
        ax.set_xlabel("top probability (confidence)")
        ax.set_ylabel("accuracy")
        pooled = self.calibration["pooled"]["ece"]
        ax.set_title(f"Reliability diagram, {self.protocol} protocol (pooled ECE "
                     f"{_percent(pooled, 1)} %)")
        ax.legend(loc="upper left", fontsize="small")
        return ax

    def _calibration_text(self):
        """Lines of ``str``: the calibration, then the accuracy/coverage table."""
        calibration, several = self.calibration, self.n_folds > 1
        mean, std, pooled = calibration["mean"], calibration["std"], calibration["pooled"]

        def number(name, values, spread=None):
            text = _percent(values[name], 1) if name == "ece" else f"{values[name]:.3f}"
            if spread is not None:
                deviation = _percent(spread[name], 1) if name == "ece" else f"{spread[name]:.3f}"
                text += f" ± {deviation}"
            return f"{_CALIBRATION_NAMES[name]} {text}" + (" %" if name == "ece" else "")

        lines = [
            "calibration (ECE: top label, 10 bins): "
            + ", ".join(number(n, mean, std if several else None) for n in _CALIBRATION)
            + ("  (mean ± std over folds); pooled: "
               + ", ".join(number(n, pooled) for n in _CALIBRATION) if several else "")
        ]
        curve = self.coverage_curve()
        rows = np.vstack([100 * curve["coverage"], 100 * curve["wa"], 100 * curve["ua"]])
        names = ["coverage %", "WA %", "UA %"]
        lead = max(len(name) for name in names + ["top prob. >="])
        lines.append("answering only when the top probability reaches a threshold"
                     + (" (all folds' clips):" if several else ":"))
        lines.append("  " + "top prob. >=".ljust(lead)
                     + "".join(f"{t:>7.1f}" for t in curve["threshold"]))
        for name, row in zip(names, rows):
            lines.append("  " + name.ljust(lead)
                         + "".join(f"{'n/a' if np.isnan(v) else f'{v:.1f}':>7}" for v in row))
        return lines

    def _calibration_markdown(self, digits):
        """Parts of ``to_markdown``: the calibration table and the coverage table."""
        calibration = self.calibration
        header = ["fold", "test", "n_test", "ECE %", "Brier", "NLL"]

        def cells(values, spread=None):
            out = []
            for name in _CALIBRATION:
                text = (_percent(values[name], digits) if name == "ece"
                        else f"{values[name]:.3f}")
                if spread is not None:
                    text += " ± " + (_percent(spread[name], digits) if name == "ece"
                                     else f"{spread[name]:.3f}")
                out.append(text)
            return out

        rows = [[f.fold, f.test_group, len(f.y_true),
                 *cells({"ece": f.ece, "brier": f.brier, "nll": f.nll})] for f in self.folds]
        n_tested = sum(len(f.y_true) for f in self.folds)
        if self.n_folds > 1:
            rows.append(["mean ± std", "", n_tested,
                         *cells(calibration["mean"], calibration["std"])])
            rows.append(["all clips", "", n_tested, *cells(calibration["pooled"])])
        curve = self.coverage_curve()
        coverage_rows = [
            [f"{t:.1f}", _percent(c, digits), n, _percent(wa, digits), _percent(ua, digits)]
            for t, c, n, wa, ua in zip(curve["threshold"], curve["coverage"], curve["n"],
                                       curve["wa"], curve["ua"])
        ]
        return [
            "Calibration of the probabilities (top-label ECE in 10 equal-width bins of "
            "the top probability, multi-class Brier score, negative log-likelihood):",
            _markdown_table(header, rows),
            "Accuracy and coverage when a clip is answered only if its top probability "
            "reaches a threshold (the others are left uncertain), over all tested clips:",
            _markdown_table(["top probability >=", "coverage %", "clips", "WA %", "UA %"],
                            coverage_rows),
        ]

    def arousal_view(self, mapping=None):
        """Return the predictions seen as arousal levels.

        Parameters
        ----------
        mapping : dict, optional
            ``{label: level}`` for every class; default :data:`AROUSAL` (ang, hap: high;
            neu, sad: low).

        Returns
        -------
        view : ArousalView
        """
        return arousal_view(self.y_true, self.y_pred, labels=self.labels, mapping=mapping)

    # -- output -----------------------------------------------------------------------

    def to_frame(self, *, per="fold"):
        """Return the results as a pandas DataFrame (pandas is needed).

        Parameters
        ----------
        per : {"fold", "clip"}, default="fold"
            ``"fold"``: one row per fold, with its protocol, groups, sizes, WA, UA,
            macro-F1 and ``f1_<label>`` (fractions), times, then ``ece``, ``brier`` and
            ``nll`` when the report has probabilities. ``"clip"``: one row per tested
            clip, with its protocol, group, fold, true and predicted class, then
            ``proba_<label>`` for each class when the report has probabilities. The rows
            of :attr:`adapted` follow this report's, their ``protocol`` telling them apart.

        Returns
        -------
        frame : pandas.DataFrame
        """
        import pandas as pd

        adapted = None if self.adapted is None else self.adapted.to_frame(per=per)
        if per == "clip":
            tested = self.test_fold >= 0
            frame = pd.DataFrame(
                {
                    "protocol": self.protocol,
                    "group": self.groups[tested],
                    "fold": self.test_fold[tested],
                    "y_true": self.y_true[tested],
                    "y_pred": self.y_pred[tested],
                },
                index=np.flatnonzero(tested),
            )
            if self.y_proba is not None:
                for index, label in enumerate(self.labels.tolist()):
                    frame[f"proba_{label}"] = self.y_proba[tested, index]
            return frame if adapted is None else pd.concat([frame, adapted])
        if per != "fold":
            raise ValueError(f"per must be 'fold' or 'clip', got {per!r}")
        rows = []
        for fold in self.folds:
            row = {
                "fold": fold.fold,
                "protocol": self.protocol,
                "test_group": fold.test_group,
                "val_group": fold.val_group,
                "n_train": fold.n_train,
                "n_val": fold.n_val,
                "n_test": len(fold.y_true),
                "wa": fold.wa,
                "ua": fold.ua,
                "macro_f1": fold.macro_f1,
            }
            row.update({f"f1_{k}": v for k, v in fold.per_class_f1.items()})
            row.update(fit_time=fold.fit_time, predict_time=fold.predict_time)
            if self.y_proba is not None:
                row.update({name: getattr(fold, name) for name in _CALIBRATION})
            rows.append(row)
        frame = pd.DataFrame(rows).set_index("fold")
        return frame if adapted is None else pd.concat([frame, adapted])

    def to_markdown(self, *, digits=1):
        """Return the fold table, mean +- std and confusion matrix as Markdown.

        Scores are in percent. With probabilities, a calibration table (ECE, Brier, NLL
        per fold, mean +- std, all clips) and the accuracy/coverage table follow. No
        pandas needed.

        Parameters
        ----------
        digits : int, default=1
            Decimals of the percentages.

        Returns
        -------
        text : str
        """
        names = ["wa", "ua", "macro_f1"] + [f"f1_{k}" for k in self.labels.tolist()]
        header = ["fold", "test", "val", "n_test", "WA %", "UA %", "macro-F1 %"]
        header += [f"F1 {k} %" for k in self.labels.tolist()]
        rows = []
        for fold in self.folds:
            values = [fold.wa, fold.ua, fold.macro_f1, *fold.per_class_f1.values()]
            val = "" if fold.val_group is None else fold.val_group
            rows.append(
                [fold.fold, fold.test_group, val, len(fold.y_true)]
                + [_percent(v, digits) for v in values]
            )
        mean, std = self.mean, self.std
        if self.n_folds > 1:
            rows.append(
                ["mean ± std", "", "", sum(len(f.y_true) for f in self.folds)]
                + [f"{_percent(mean[n], digits)} ± {_percent(std[n], digits)}" for n in names]
            )
        labels = [str(k) for k in self.labels.tolist()]
        counts = self.confusion_matrix
        matrix_rows = [[labels[i], *counts[i].tolist()] for i in range(len(labels))]
        parts = [
            self.description,
            f"Protocol: {PROTOCOLS[self.protocol]}.",
            _markdown_table(header, rows),
            "Confusion matrix, summed over folds (rows: true class, columns: predicted):",
            _markdown_table(["true \\ predicted", *labels], matrix_rows),
        ]
        if self.arousal is not None:
            view = self.arousal
            levels = [str(level) for level in view.levels]
            recall = ", ".join(
                f"{k} {_percent(v, digits)} %" for k, v in view.per_class_recall.items()
            )
            parts += [
                f"Arousal view (accuracy {_percent(view.accuracy, digits)} %; recall per "
                f"class: {recall}):",
                _markdown_table(
                    ["true \\ predicted", *levels],
                    [[levels[i], *view.confusion_matrix[i].tolist()] for i in range(len(levels))],
                ),
            ]
        if self.y_proba is not None:
            parts += self._calibration_markdown(digits)
        if self.adapted is not None:
            parts += [self._comparison(digits), self.adapted.to_markdown(digits=digits)]
        return "\n\n".join(part for part in parts if part) + "\n"

    def _comparison(self, digits=1):
        """One line: UA and WA (mean over folds) of this protocol and the adapted one."""
        other = self.adapted
        parts = []
        for name in ("ua", "wa"):
            mine, theirs = self.mean[name], other.mean[name]
            parts.append(
                f"{_METRIC_NAMES[name]} {SHORT_NAMES[self.protocol]} {_percent(mine, digits)} %, "
                f"{SHORT_NAMES[other.protocol]} {_percent(theirs, digits)} % "
                f"({100 * (theirs - mine):+.{digits}f} points)"
            )
        return "Side by side, mean over the same folds: " + "; ".join(parts) + "."

    def plot_confusion_matrix(self, ax=None, *, normalize=True, cmap="Blues"):
        """Plot the summed confusion matrix (matplotlib is needed).

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw; a new figure by default.
        normalize : bool, default=True
            Row-normalized (recall on the diagonal) or counts.
        cmap : str, default="Blues"
            The colour map.

        Returns
        -------
        ax : matplotlib.axes.Axes
        """
        from sklearn.metrics import ConfusionMatrixDisplay

        matrix = self.normalized_confusion_matrix if normalize else self.confusion_matrix
        display = ConfusionMatrixDisplay(matrix, display_labels=self.labels)
        display.plot(ax=ax, cmap=cmap, values_format=".2f" if normalize else "d", colorbar=False)
        display.ax_.set_title(
            "Confusion matrix" + (" (row-normalized)" if normalize else " (counts)")
        )
        return display.ax_

    def __repr__(self):
        mean = self.mean
        return (
            f"SessionReport(n_folds={self.n_folds}, n_clips={self._n_tested}, "
            f"wa={mean['wa']:.3f}, ua={mean['ua']:.3f}, macro_f1={mean['macro_f1']:.3f}, "
            f"protocol={self.protocol!r})"
        )

    def __str__(self):
        mean, std = self.mean, self.std
        lines = [
            self.description or "SessionReport",
            f"protocol: {PROTOCOLS[self.protocol]}",
            *self._head_lines("classes", self.labels),
        ]
        several = self.n_folds > 1
        for name in _METRICS:
            spread = f" ± {_percent(std[name], 1)}" if several else ""
            lines.append(
                f"{_METRIC_NAMES[name]:<9} {_percent(mean[name], 1):>5}{spread} %"
                + ("  (mean ± std over folds)" if several else "")
            )
        lines.append(
            "F1 per class: "
            + ", ".join(f"{k} {_percent(mean[f'f1_{k}'], 1)}" for k in self.labels.tolist())
            + (" % (mean over folds)" if several else " %")
        )
        lines.append(
            "confusion matrix (rows: true, columns: predicted"
            + ("; summed over folds):" if several else "):")
        )
        lines.append(_text_matrix(self.confusion_matrix, self.labels.tolist(), str))
        if self.arousal is not None:
            lines.append(str(self.arousal))
        if self.y_proba is not None:
            lines += self._calibration_text()
        if self.adapted is not None:
            lines += ["", self._comparison(), "", str(self.adapted)]
        return "\n".join(lines)
