"""Reports of dimensional evaluations: CCC, Pearson r and MAE per dimension, over folds."""

from dataclasses import dataclass, field

import numpy as np

from ..metrics import (
    concordance_correlation_coefficient,
    mean_absolute_error_per_dimension,
    pearson_correlation,
)
from ..utils import DIMENSIONAL
from ._base_report import BaseFoldResult, BaseReport

__all__ = ["DimensionalFoldResult", "DimensionalReport", "check_dimensional_targets"]


def check_dimensional_targets(y, n_clips, name):
    """``y`` as float64 ``(n_clips, n_dims)``; a ValueError naming ``name`` otherwise."""
    from sklearn.utils import check_array

    y = check_array(y, dtype=np.float64, input_name=name)
    if y.shape[0] != n_clips:
        raise ValueError(f"{name} has {y.shape[0]} rows for {n_clips} clips")
    return y


_METRICS = ("ccc", "pearson_r", "mae")
_METRIC_NAMES = {"ccc": "CCC", "pearson_r": "Pearson r", "mae": "MAE"}


def _per_dimension(metric, y_true, y_pred):
    """One value per column; NaN for a column whose true values do not vary."""
    values = np.full(y_true.shape[1], np.nan)
    varies = np.ptp(y_true, axis=0) > 0
    if metric == "mae":
        return mean_absolute_error_per_dimension(y_true, y_pred)
    if varies.any() and len(y_true) >= 2:
        if metric == "ccc":
            values[varies] = concordance_correlation_coefficient(
                y_true[:, varies], y_pred[:, varies], multioutput="raw_values"
            )
        else:
            values[varies] = pearson_correlation(y_true[:, varies], y_pred[:, varies])
    return values


@dataclass(eq=False)
class DimensionalFoldResult(BaseFoldResult):
    """What one fold of a dimensional evaluation produced.

    Attributes
    ----------
    fold, test_group, val_group, test_index, n_train, n_val, used_validation, fit_time, \
predict_time
        As in :class:`BaseFoldResult`.
    estimator : estimator or None
        As in :class:`FoldResult`.
    y_true, y_pred : np.ndarray [shape=(n_test, n_dims)]
        True and predicted values of the tested rows.
    names : np.ndarray [shape=(n_dims,)]
        The dimensions (arousal, valence, dominance).
    ccc, pearson_r, mae : np.ndarray [shape=(n_dims,)]
        The fold's scores per dimension; CCC and r are NaN for a dimension constant in
        the fold's test set.
    """

    # After the base's fields, in the order this class has always had: columns, estimator.
    names: np.ndarray
    estimator: object = None
    ccc: np.ndarray = field(init=False)
    pearson_r: np.ndarray = field(init=False)
    mae: np.ndarray = field(init=False)

    columns_name = "names"

    def __post_init__(self):
        self.y_true = np.asarray(self.y_true, dtype=np.float64).reshape(len(self.y_true), -1)
        self.y_pred = np.asarray(self.y_pred, dtype=np.float64).reshape(self.y_true.shape)
        for metric in _METRICS:
            setattr(self, metric, _per_dimension(metric, self.y_true, self.y_pred))

    def __repr__(self):
        ccc = ", ".join(f"{n}={v:.3f}" for n, v in zip(self.names, self.ccc))
        return (
            f"DimensionalFoldResult(fold={self.fold}, test_group={self.test_group!r}, "
            f"n_test={len(self.y_true)}, ccc: {ccc})"
        )


class DimensionalReport(BaseReport):
    """Scores of a dimensional (arousal, valence, dominance) evaluation.

    Read more in the :ref:`User Guide <dimensional>`.

    Made by :func:`evaluate_sessions` and :func:`evaluate_cross_corpus` when ``y`` is
    2-D. Every score is per dimension, as the mean and standard deviation over folds.

    Attributes
    ----------
    folds : list of DimensionalFoldResult
    names : np.ndarray [shape=(n_dims,)]
        The dimensions, in column order.
    y_true, y_pred : np.ndarray [shape=(n_clips, n_dims)]
        True values and out-of-fold predictions, in the order of the input rows.
    groups, test_fold : np.ndarray [shape=(n_clips,)]
        The group of each clip and the fold that tested it.
    protocol, adapted
        As in :class:`SessionReport`.
    """

    task = DIMENSIONAL
    fold_class = DimensionalFoldResult

    def __init__(self, folds, *, names, n_clips, groups=None, description="",
                 protocol="plain", adapted=None):
        self.names = np.asarray(names)
        super().__init__(folds, n_clips=n_clips, groups=groups, description=description,
                         protocol=protocol, adapted=adapted)

    def _allocate(self, n_clips):
        shape = (n_clips, len(self.names))
        return np.full(shape, np.nan), np.full(shape, np.nan)

    @property
    def scores(self):
        """dict: ``{"ccc_arousal": np.ndarray [shape=(n_folds,)], ...}`` for CCC, Pearson r
        (``pearson_r_<dim>``) and MAE (``mae_<dim>``) of each dimension."""
        return {
            f"{metric}_{name}": np.array([getattr(f, metric)[index] for f in self.folds])
            for metric in _METRICS
            for index, name in enumerate(self.names.tolist())
        }

    def pooled(self):
        """Scores of all out-of-fold predictions together, as one set.

        Returns
        -------
        scores : dict
            ``{"ccc_arousal": float, ...}`` like :attr:`mean`.
        """
        tested = self.test_fold >= 0
        y_true, y_pred = self.y_true[tested], self.y_pred[tested]
        return {
            f"{metric}_{name}": float(value)
            for metric in _METRICS
            for name, value in zip(self.names.tolist(), _per_dimension(metric, y_true, y_pred))
        }

    def to_frame(self, *, per="fold"):
        """The scores as a DataFrame: one row per fold, or ``per="dimension"`` a summary.

        Parameters
        ----------
        per : {"fold", "dimension"}, default="fold"
            ``"fold"``: columns ``test_group``, ``n_test`` and every score. ``"dimension"``:
            one row per dimension, columns ``<metric>_mean`` and ``<metric>_std``.

        Returns
        -------
        frame : pandas.DataFrame
        """
        import pandas as pd

        if per == "fold":
            rows = []
            for fold in self.folds:
                row = {"test_group": fold.test_group, "n_test": len(fold.y_true)}
                for metric in _METRICS:
                    row.update({f"{metric}_{n}": v for n, v in zip(self.names,
                                                                     getattr(fold, metric))})
                rows.append(row)
            return pd.DataFrame(rows)
        if per != "dimension":
            raise ValueError(f"per must be 'fold' or 'dimension', got {per!r}")
        mean, std = self.mean, self.std
        return pd.DataFrame(
            {
                **{f"{m}_mean": [mean[f"{m}_{n}"] for n in self.names] for m in _METRICS},
                **{f"{m}_std": [std[f"{m}_{n}"] for n in self.names] for m in _METRICS},
            },
            index=pd.Index(self.names, name="dimension"),
        )

    def to_markdown(self, *, digits=3):
        """A Markdown summary: one row per dimension, mean ± std over folds, then per fold.

        Returns
        -------
        text : str
        """
        mean, std = self.mean, self.std
        several = self.n_folds > 1

        def cell(key):
            value = f"{mean[key]:.{digits}f}"
            return f"{value} ± {std[key]:.{digits}f}" if several else value

        header = "| dimension | " + " | ".join(_METRIC_NAMES[m] for m in _METRICS) + " |"
        lines = [self.description or "Dimensional evaluation", "", header,
                 "|---" * (len(_METRICS) + 1) + "|"]
        for name in self.names.tolist():
            lines.append(f"| {name} | " + " | ".join(cell(f"{m}_{name}") for m in _METRICS)
                         + " |")
        if several:
            lines += ["", "CCC per fold:", "",
                      "| test group | n | " + " | ".join(self.names.tolist()) + " |",
                      "|---" * (len(self.names) + 2) + "|"]
            for fold in self.folds:
                values = " | ".join(f"{v:.{digits}f}" for v in fold.ccc)
                lines.append(f"| {fold.test_group} | {len(fold.y_true)} | {values} |")
        return "\n".join(lines)

    def plot_scatter(self, axes=None, *, max_points=2000, random_state=0):
        """True against out-of-fold predicted values, one panel per dimension.

        Parameters
        ----------
        axes : sequence of matplotlib Axes [shape=(n_dims,)], optional
            Where to draw; new axes in one row by default.
        max_points : int, default=2000
            At most this many clips drawn per panel (a random subset).
        random_state : int, default=0
            Seeds the subset.

        Returns
        -------
        axes : np.ndarray of matplotlib Axes
        """
        import matplotlib.pyplot as plt

        n_dims = len(self.names)
        if axes is None:
            _, axes = plt.subplots(1, n_dims, figsize=(3.6 * n_dims, 3.6), squeeze=False)
            axes = axes[0]
        axes = np.asarray(axes).ravel()
        if axes.size != n_dims:
            raise ValueError(f"plot_scatter needs {n_dims} axes, got {axes.size}")
        tested = np.flatnonzero(self.test_fold >= 0)
        if tested.size > max_points:
            tested = np.random.default_rng(random_state).choice(tested, max_points, replace=False)
        mean, pooled = self.mean, self.pooled()
        for index, (ax, name) in enumerate(zip(axes, self.names.tolist())):
            true, pred = self.y_true[tested, index], self.y_pred[tested, index]
            ax.scatter(true, pred, s=8, alpha=0.35, c=self.test_fold[tested], cmap="tab20")
            low = float(min(true.min(), pred.min()))
            high = float(max(true.max(), pred.max()))
            ax.plot([low, high], [low, high], color="0.4", lw=1, ls="--")
            ax.set_xlabel(f"true {name}")
            ax.set_ylabel(f"predicted {name}")
            ax.set_title(
                f"{name}: CCC {mean[f'ccc_{name}']:.2f} (fold mean), "
                f"{pooled[f'ccc_{name}']:.2f} pooled",
                fontsize=9,
            )
        return axes

    def __repr__(self):
        ccc = ", ".join(f"{n}={self.mean[f'ccc_{n}']:.3f}" for n in self.names.tolist())
        return f"DimensionalReport(n_folds={self.n_folds}, ccc: {ccc})"

    def __str__(self):
        mean, std = self.mean, self.std
        several = self.n_folds > 1
        lines = [self.description or "DimensionalReport",
                 *self._head_lines("dimensions", self.names)]
        width = max(len(n) for n in self.names.tolist())
        for name in self.names.tolist():
            parts = []
            for metric in _METRICS:
                key = f"{metric}_{name}"
                spread = f" ± {std[key]:.3f}" if several else ""
                parts.append(f"{_METRIC_NAMES[metric]} {mean[key]:.3f}{spread}")
            lines.append(f"{name:<{width}}  " + ", ".join(parts))
        if several:
            lines.append("(mean ± std over folds)")
        for index, name in enumerate(self.names.tolist()):
            constant = [str(f.test_group) for f in self.folds if np.isnan(f.ccc[index])]
            if constant:
                lines.append(
                    f"{name}: CCC and r leave out {len(constant)} of {self.n_folds} fold(s) "
                    f"({', '.join(constant[:5])}), whose true values do not vary"
                )
        return "\n".join(lines)
