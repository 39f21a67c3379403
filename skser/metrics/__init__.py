"""Metrics of speech emotion recognition: WA, UA, macro-F1, CCC, Pearson r, MAE; scorers;
calibration of class probabilities (ECE, Brier score, log loss, reliability, coverage)."""

from ._calibration import (
    COVERAGE_THRESHOLDS,
    brier_score,
    calibration_scores,
    coverage_curve,
    expected_calibration_error,
    log_loss,
    reliability_curve,
)
from ._classification import (
    check_label_targets,
    macro_f1,
    per_class_f1,
    per_class_recall,
    unweighted_accuracy,
    weighted_accuracy,
)
from ._dimensional import (
    DIMENSIONAL_SCORING,
    dimensional_scores,
    mean_absolute_error_per_dimension,
    pearson_correlation,
)
from ._regression import concordance_correlation_coefficient
from ._scorer import (
    SER_SCORING,
    ccc_scorer,
    get_scorer,
    get_scorer_names,
    macro_f1_scorer,
    ua_scorer,
    wa_scorer,
)

__all__ = [
    "COVERAGE_THRESHOLDS",
    "DIMENSIONAL_SCORING",
    "SER_SCORING",
    "brier_score",
    "calibration_scores",
    "ccc_scorer",
    "check_label_targets",
    "concordance_correlation_coefficient",
    "coverage_curve",
    "dimensional_scores",
    "expected_calibration_error",
    "get_scorer",
    "get_scorer_names",
    "log_loss",
    "macro_f1",
    "macro_f1_scorer",
    "mean_absolute_error_per_dimension",
    "per_class_f1",
    "per_class_recall",
    "pearson_correlation",
    "reliability_curve",
    "ua_scorer",
    "unweighted_accuracy",
    "wa_scorer",
    "weighted_accuracy",
]
