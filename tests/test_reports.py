"""Reports people read: the HTML page, the Markdown with its picture, the timeline."""

import base64
import shutil
import subprocess
from html.parser import HTMLParser

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skser.cli._data import Corpus
from skser.cli._report import report_title, write_report
from skser.model_selection import evaluate_sessions

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def evaluated():
    rng = np.random.default_rng(0)
    y = np.tile(["ang", "hap", "neu", "sad"], 12)
    groups = np.repeat(["s1", "s2", "s3", "s4"], 12)
    X = rng.normal(size=(48, 5)) + (y[:, None] == "ang") * 2.0
    report = evaluate_sessions(LogisticRegression(), X, y, groups, validation="next")
    return Corpus("toy", X, y, groups, groups), report


class _Page(HTMLParser):
    """The title, the tables (rows of cell texts) and the image sources of a page."""

    def __init__(self):
        super().__init__()
        self.title, self.tables, self.images, self._in = "", [], [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag == "img":
            self.images.append(dict(attrs)["src"])
        self._in = tag

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in in ("td", "th") and data.strip():
            self.tables[-1][-1].append(data.strip())

    def handle_endtag(self, tag):
        self._in = None


def test_html_report_renders_tables_and_the_picture(evaluated, tmp_path):
    corpus, report = evaluated
    path = write_report(report, tmp_path / "report.html", title=report_title(corpus, report))
    page = _Page()
    page.feed(path.read_text())
    assert "toy (48 clips, 4 groups)" in page.title and "4 folds" in page.title
    folds, confusion, calibration, coverage = page.tables
    assert calibration[0] == ["fold", "test", "n_test", "ECE %", "Brier", "NLL"]
    assert [row[0] for row in calibration[-2:]] == ["mean ± std", "all clips"]
    assert coverage[0][:2] == ["top probability >=", "coverage %"]
    assert folds[0][:3] == ["fold", "test", "val"]
    assert "F1 ang %" in folds[0]
    assert len(folds) == 1 + report.n_folds + 1  # header, folds, mean ± std
    assert folds[-1][0] == "mean ± std"
    counts = np.array([[int(v) for v in row[1:]] for row in confusion[1:]])
    np.testing.assert_array_equal(counts, report.confusion_matrix)
    confusion_image, reliability_image = page.images  # the reliability diagram follows
    for image in (confusion_image, reliability_image):
        assert image.startswith("data:image/png;base64,")
        assert base64.b64decode(image.split(",", 1)[1]).startswith(PNG)


def test_markdown_report_links_its_picture_as_a_file(evaluated, tmp_path):
    corpus, report = evaluated
    path = write_report(report, tmp_path / "eval.md", title=report_title(corpus, report))
    text = path.read_text()
    assert "data:" not in text
    assert "](eval-confusion.png)" in text
    assert (tmp_path / "eval-confusion.png").read_bytes().startswith(PNG)
    assert text.startswith("# skser evaluation: toy (48 clips, 4 groups)")


def test_report_refuses_other_suffixes(evaluated, tmp_path):
    corpus, report = evaluated
    with pytest.raises(ValueError, match=r"\.md or \.html"):
        write_report(report, tmp_path / "report.pdf", title="x")


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
def test_html_report_renders_in_headless_chromium(evaluated, tmp_path):
    import matplotlib.image

    corpus, report = evaluated
    path = write_report(report, tmp_path / "report.html", title=report_title(corpus, report))
    shot = tmp_path / "shot.png"
    base = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    # Tall enough for the calibration and coverage tables above the picture.
    subprocess.run([*base, "--window-size=1200,2400", f"--screenshot={shot}",
                    path.as_uri()], check=True, capture_output=True, timeout=120)
    pixels = matplotlib.image.imread(shot)[..., :3]
    # Mostly white page with text, table borders and the blue confusion matrix on it.
    assert pixels.mean() > 0.7
    blue = (pixels[..., 2] > 0.5) & (pixels[..., 0] < 0.3)
    assert blue.sum() > 0.005 * 1200 * 1300, "the confusion matrix picture is not on the page"
    dom = subprocess.run([*base, "--dump-dom", path.as_uri()], check=True,
                         capture_output=True, text=True, timeout=120).stdout
    assert dom.count("<table>") == 4 and dom.count("<tr") >= report.n_folds + 2 + 5


def test_timeline_band_shows_each_windows_winner_and_bars_do_not_overlap():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skser.voice_note import VoiceNoteResult

    windows = np.array([[0.0, 4.0], [2.0, 6.0], [4.0, 8.0], [10.0, 12.0]])
    proba = np.array([[0.7, 0.3], [0.4, 0.6], [0.2, 0.8], [0.9, 0.1]])
    result = VoiceNoteResult(
        source="note.wav", duration=12.0, vad="energy", aggregation="mean",
        classes=np.array(["ang", "sad"]), label="sad", proba=np.array([0.45, 0.55]),
        speech_regions=np.array([[0.0, 8.0], [10.0, 12.0]]),
        segments=np.array([[0.0, 8.0], [10.0, 12.0]]), windows=windows,
        window_proba=proba, window_speech=np.array([4.0, 4.0, 4.0, 2.0]),
    )
    fig, ax = plt.subplots()
    result.plot_timeline(ax=ax)
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["ang", "sad", "sad", "ang"]  # each window's winner, in time order
    band_ang, band_sad = ax.collections[-2:]
    assert len(band_ang.get_paths()) == 2 and len(band_sad.get_paths()) == 2
    bars = [c for c in ax.collections if type(c).__name__ == "LineCollection"]
    assert len(bars) == 2
    for bar in bars:
        assert bar.get_alpha() in (None, 1.0)  # opaque: nothing blends
        spans = sorted((s[0, 0], s[1, 0]) for s in bar.get_segments())
        assert spans == [(0.0, 3.0), (3.0, 5.0), (5.0, 8.0), (10.0, 12.0)]
    plt.close(fig)


def test_adapted_report_shows_each_protocols_confusion_matrix(evaluated, tmp_path):
    corpus, _ = evaluated
    rng = np.random.default_rng(1)
    X = corpus.X + rng.normal(size=(4, 1)).repeat(12, axis=0)  # a shift per speaker
    report = evaluate_sessions(LogisticRegression(), X, corpus.y, corpus.groups,
                               validation="next", adapt="speaker")
    path = write_report(report, tmp_path / "eval.md", title=report_title(corpus, report))
    text = path.read_text()
    assert "![Confusion matrix, plain protocol" in text
    assert "![Confusion matrix, speaker protocol" in text
    assert "](eval-confusion.png)" in text and "](eval-confusion-adapted.png)" in text
    assert (tmp_path / "eval-confusion-adapted.png").read_bytes().startswith(PNG)
