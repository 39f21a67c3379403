"""skser: scikit-learn estimators for speech emotion recognition."""

__version__ = "0.1.0"
