"""scikit-learn's estimator checks on FocalLossClassifier."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skser.classification import FocalLossClassifier

# For tests/test_common.py's PER_ESTIMATOR_XFAIL_CHECKS["FocalLossClassifier"].
EXPECTED_FAILED_CHECKS = {
    "check_class_weight_classifiers": (
        "early stopping keeps the epoch of best validation UA, which ignores class_weight "
        "by design (the check passes with early_stopping=False)"
    ),
}


@parametrize_with_checks(
    [FocalLossClassifier(random_state=0, max_iter=10)],
    expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
