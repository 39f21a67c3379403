"""Doctests write their scratch files under pytest's tmp_path, which pytest cleans up."""

import tempfile

import pytest
from _pytest.doctest import DoctestItem


@pytest.fixture(autouse=True)
def _doctest_scratch(request, tmp_path, monkeypatch):
    if isinstance(request.node, DoctestItem):
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    yield
