"""skser's vendored parameter validation says what scikit-learn's own says.

skser depends on no private scikit-learn API; this test alone reads scikit-learn's private
``_param_validation`` to check that the vendored copy still gives its messages, on
whatever scikit-learn release is installed (the newest in ``make test``).
"""

from numbers import Integral, Real

import numpy as np
import pytest

from skser.exceptions import InvalidParameterError, SkserError
from skser.utils import HasMethods, Interval, StrOptions, validate_parameter_constraints

sklearn_validation = pytest.importorskip("sklearn.utils._param_validation")

CASES = [  # (constraints, a value that fails them)
    ([Interval(Integral, 1, None, closed="left")], 0),
    ([Interval(Integral, 1, None, closed="left")], 1.5),
    ([Interval(Real, 0, 1, closed="both")], 2.0),
    ([Interval(Real, 0, None, closed="neither"), None], -1.0),
    ([Interval(Real, 0, 1, closed="neither")], True),
    ([StrOptions({"mean", "max"})], "median"),
    (["boolean"], 1),
    (["verbose"], -1),
    (["random_state"], "seed"),
    (["random_state"], 2**33),
    (["array-like"], 3),
    (["array-like"], "wide"),  # a string is a scalar, not an array-like
    ([HasMethods(["fit", "transform"])], object()),
    ([Integral, None], 2.5),
]


def _theirs(constraint):
    """The same constraint built from scikit-learn's classes."""
    if isinstance(constraint, Interval):
        return sklearn_validation.Interval(constraint.type, constraint.left, constraint.right,
                                           closed=constraint.closed)
    if isinstance(constraint, StrOptions):
        return sklearn_validation.StrOptions(constraint.options)
    if isinstance(constraint, HasMethods):
        return sklearn_validation.HasMethods(constraint.methods)
    return constraint


@pytest.mark.parametrize(("constraints", "value"), CASES)
def test_the_vendored_message_is_scikit_learns(constraints, value):
    with pytest.raises(InvalidParameterError) as ours:
        validate_parameter_constraints({"p": constraints}, {"p": value}, caller_name="Est")
    with pytest.raises(sklearn_validation.InvalidParameterError) as theirs:
        sklearn_validation.validate_parameter_constraints(
            {"p": [_theirs(c) for c in constraints]}, {"p": value}, caller_name="Est")
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("value", [1, 0.5, None, np.int64(3)])
def test_a_valid_value_passes(value):
    constraints = [Interval(Real, 0, None, closed="left"), None]
    validate_parameter_constraints({"p": constraints}, {"p": value}, caller_name="Est")


def test_the_error_is_skser_s_and_a_value_and_type_error():
    with pytest.raises(SkserError):
        validate_parameter_constraints({"p": ["boolean"]}, {"p": "yes"}, caller_name="Est")
    assert issubclass(InvalidParameterError, ValueError)
    assert issubclass(InvalidParameterError, TypeError)
