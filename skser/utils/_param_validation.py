"""Parameter validation, vendored: skser depends on no private scikit-learn API.

scikit-learn's ``_parameter_constraints`` machinery (``Interval``, ``StrOptions``,
``validate_params``, ...) lives in the private ``sklearn.utils._param_validation``. As
imbalanced-learn does, skser keeps its own copy of the subset it uses, vendored from
scikit-learn 1.9 (BSD-3-Clause, (c) the scikit-learn developers; the notice in full is in
``LICENSES/scikit-learn.txt``), with the same constraint names and messages. Every other
module takes these names from :mod:`skser.utils`. The copy needs no scikit-learn, so the
deployment install (numpy, onnxruntime, soundfile, soxr) validates ``OnnxPipeline`` and
:func:`skser.voice_note.analyze_voice_note` parameters the same way, and a new
scikit-learn release cannot break it.

``check_params`` and ``fit_context`` replace ``BaseEstimator._validate_params`` and
``sklearn.base._fit_context`` with public calls (``get_params``, ``sklearn.get_config``).
"""

import functools
import inspect
import sys
from numbers import Integral, Real

import numpy as np

from ..exceptions import InvalidParameterError

__all__ = [
    "HasMethods",
    "Interval",
    "InvalidParameterError",
    "StrOptions",
    "check_params",
    "fit_context",
    "validate_parameter_constraints",
    "validate_params",
]


def _type_name(t):
    module = t.__module__
    if module == "builtins":
        return t.__qualname__
    if t == Real:
        return "float"
    if t == Integral:
        return "int"
    return f"{module}.{t.__qualname__}"

_NUMPY_BOOL = _type_name(np.bool_)

class _Constraint:
    def __str__(self):
        return repr(self)

class _InstancesOf(_Constraint):
    def __init__(self, type):
        self.type = type

    def is_satisfied_by(self, val):
        return isinstance(val, self.type)

    def __str__(self):
        return f"an instance of {_type_name(self.type)!r}"

class _NoneConstraint(_Constraint):
    def is_satisfied_by(self, val):
        return val is None

    def __str__(self):
        return "None"

class _Named(_Constraint):
    _TESTS = {
        "array-like": lambda v: (hasattr(v, "__len__") or hasattr(v, "shape")
                                 or hasattr(v, "__array__")) and not np.isscalar(v),
        "boolean": lambda v: isinstance(v, bool | np.bool_),
        "callable": callable,
        "verbose": lambda v: isinstance(v, bool | np.bool_)
        or (isinstance(v, Integral) and v >= 0),
        "random_state": lambda v: v is None or isinstance(v, np.random.RandomState)
    or (isinstance(v, Integral) and 0 <= v <= 2**32 - 1),
    }

    def __init__(self, name):
        self.name = name

    def is_satisfied_by(self, val):
        return self._TESTS[self.name](val)

    def __str__(self):
        return {
            "array-like": "an array-like",
            "boolean": f"an instance of 'bool' or an instance of {_NUMPY_BOOL!r}",
            "callable": "a callable",
            "verbose": "an int in the range [0, inf), an instance of 'bool' or an "
            f"instance of {_NUMPY_BOOL!r}",
            "random_state": "an int in the range [0, 4294967295], an instance of "
            f"{_type_name(np.random.RandomState)!r} or None",
        }[self.name]

class StrOptions(_Constraint):
    """One of a set of strings."""

    def __init__(self, options, *, deprecated=None):
        self.type, self.options, self.deprecated = str, options, deprecated or set()

    def is_satisfied_by(self, val):
        return isinstance(val, str) and val in self.options

    def __str__(self):
        return f"a str among {{{', '.join(repr(o) for o in self.options)}}}"

class Interval(_Constraint):
    """A number in an interval."""

    def __init__(self, type, left, right, *, closed):
        self.type, self.left, self.right, self.closed = type, left, right, closed

    def __contains__(self, val):
        if np.isnan(val):
            return False
        left_ok = self.left is None or (
            val >= self.left if self.closed in ("left", "both") else val > self.left
        )
        right_ok = self.right is None or (
            val <= self.right if self.closed in ("right", "both") else val < self.right
        )
        return left_ok and right_ok

    def is_satisfied_by(self, val):
        if not isinstance(val, self.type):
            return False
        return val in self

    def __str__(self):
        left = "[" if self.closed in ("left", "both") else "("
        right = "]" if self.closed in ("right", "both") else ")"
        low = "-inf" if self.left is None else self.left
        high = "inf" if self.right is None else self.right
        if self.type is not Integral:
            low = float(low) if isinstance(self.left, Real) else low
            high = float(high) if isinstance(self.right, Real) else high
        kind = "an int" if self.type is Integral else "a float"
        return f"{kind} in the range {left}{low}, {high}{right}"

class HasMethods(_Constraint):
    """An object with the given methods."""

    def __init__(self, methods):
        self.methods = [methods] if isinstance(methods, str) else methods

    def is_satisfied_by(self, val):
        return all(callable(getattr(val, method, None)) for method in self.methods)

    def __str__(self):
        names = [repr(method) for method in self.methods]
        if len(names) > 1:
            names = [", ".join(names[:-1]), names[-1]]
        return f"an object implementing {' and '.join(names)}"

def _make_constraint(constraint):
    if isinstance(constraint, str) and constraint in _Named._TESTS:
        return _Named(constraint)
    if constraint is None:
        return _NoneConstraint()
    if isinstance(constraint, type):
        return _InstancesOf(constraint)
    if isinstance(constraint, _Constraint):
        return constraint
    raise ValueError(f"unknown constraint type: {constraint!r}")

def validate_parameter_constraints(parameter_constraints, params, caller_name):
    """Raise ``InvalidParameterError`` for a parameter matching none of its constraints."""
    for name, value in params.items():
        if name not in parameter_constraints:
            continue
        constraints = parameter_constraints[name]
        if constraints == "no_validation":
            continue
        constraints = [_make_constraint(c) for c in constraints]
        if any(c.is_satisfied_by(value) for c in constraints):
            continue
        names = [str(c) for c in constraints]
        expected = names[0] if len(names) == 1 else (
            f"{', '.join(names[:-1])} or {names[-1]}"
        )
        raise InvalidParameterError(
            f"The {name!r} parameter of {caller_name} must be {expected}. "
            f"Got {value!r} instead."
        )

def validate_params(parameter_constraints, *, prefer_skip_nested_validation):
    """Decorate a function to validate its arguments against ``parameter_constraints``."""

    def decorator(func):
        signature = inspect.signature(func)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            params = {k: v for k, v in bound.arguments.items() if k not in ("self", "cls")}
            validate_parameter_constraints(
                parameter_constraints, params, caller_name=func.__qualname__
            )
            return func(*args, **kwargs)

        return wrapper

    return decorator


def _skip_validation():
    """scikit-learn's ``skip_parameter_validation`` setting, where scikit-learn is loaded."""
    sklearn = sys.modules.get("sklearn")
    return sklearn is not None and sklearn.get_config().get("skip_parameter_validation", False)


def check_params(estimator):
    """Validate ``estimator``'s parameters against its ``_parameter_constraints``.

    The public equivalent of ``BaseEstimator._validate_params``; call it first in ``fit``.

    Examples
    --------
    >>> from skser.preprocessing import PreEmphasis
    >>> check_params(PreEmphasis(coef=2.0))
    Traceback (most recent call last):
    ...
    skser.exceptions.InvalidParameterError: The 'coef' parameter of ...
    """
    if _skip_validation():
        return
    validate_parameter_constraints(
        estimator._parameter_constraints,
        estimator.get_params(deep=False),
        caller_name=type(estimator).__name__,
    )


def fit_context(*, prefer_skip_nested_validation):
    """Decorate ``fit``: validate the parameters, then fit with nested validation skipped.

    The public equivalent of ``sklearn.base._fit_context``, for estimators whose inner
    calls (a scaler, a split) need not validate again.
    """

    def decorator(fit_method):
        @functools.wraps(fit_method)
        def wrapper(estimator, *args, **kwargs):
            import sklearn

            check_params(estimator)
            skip = prefer_skip_nested_validation or _skip_validation()
            with sklearn.config_context(skip_parameter_validation=skip):
                return fit_method(estimator, *args, **kwargs)

        return wrapper

    return decorator
