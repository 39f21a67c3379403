"""Session-wise cross-validation, cross-corpus evaluation and their reports."""

from ._base_report import BaseFoldResult, BaseReport
from ._clips import name_refused_clips, refused_clips  # noqa: F401 (skser.embedding, skser.cli)
from ._dimensional_report import DimensionalFoldResult, DimensionalReport
from ._evaluate import evaluate_cross_corpus, evaluate_sessions
from ._fit import accepts_validation, fit_with_validation
from ._leakage import check_leakage
from ._report import AROUSAL, ArousalView, FoldResult, SessionReport
from ._split import LeaveOneSessionOut

__all__ = [
    "AROUSAL",
    "ArousalView",
    "BaseFoldResult",
    "BaseReport",
    "DimensionalFoldResult",
    "DimensionalReport",
    "FoldResult",
    "LeaveOneSessionOut",
    "SessionReport",
    "accepts_validation",
    "check_leakage",
    "evaluate_cross_corpus",
    "evaluate_sessions",
    "fit_with_validation",
]
