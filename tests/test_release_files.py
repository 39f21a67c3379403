"""The files of a released package agree with each other on the version."""

import re
import subprocess
import sys
from pathlib import Path

import skser

ROOT = Path(__file__).resolve().parents[1]
CHANGELOG = ROOT / "doc" / "whats_new.rst"


def _latest_changelog_version():
    match = re.search(r"^Version (\d+\.\d+\.\d+\S*)\s*$", CHANGELOG.read_text(), re.MULTILINE)
    assert match, f"no 'Version X.Y.Z' heading in {CHANGELOG}"
    return match.group(1)


def test_changelog_latest_version_is_the_package_version():
    assert _latest_changelog_version() == skser.__version__


def test_command_line_version_is_the_package_version():
    result = subprocess.run(
        [sys.executable, "-m", "skser", "--version"], capture_output=True, text=True,
        cwd=ROOT, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["skser", _latest_changelog_version()]


def test_license_files_are_complete():
    license_text = (ROOT / "LICENSE").read_text()
    assert license_text.startswith("BSD 3-Clause License")
    assert "LICENSES/scikit-learn.txt" in license_text
    vendored = (ROOT / "LICENSES" / "scikit-learn.txt").read_text()
    assert "The scikit-learn developers" in vendored
    assert "EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE" in vendored


def test_citation_names_the_version():
    citation = (ROOT / "CITATION.cff").read_text()
    assert re.search(rf"^version: {re.escape(skser.__version__)}$", citation, re.MULTILINE)
    assert "cff-version: 1.2.0" in citation
