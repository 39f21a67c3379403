"""The command line people expect: --version, help on every option, clear int8 advice."""

import argparse
import subprocess
import sys

import joblib
import pytest

from skser import __version__
from skser.cli import build_parser, main
from skser.datasets import make_emotional_speech
from skser.pipeline import make_ser_pipeline


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"skser {__version__}"


def _options(parser, command="skser"):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _options(sub, name)
        else:
            yield command, action


def test_every_option_has_help():
    missing = [(command, action.dest) for command, action in _options(build_parser())
               if not action.help]
    assert missing == []


def test_static_int8_without_calibration_says_what_to_pass_before_loading(tmp_path):
    model = tmp_path / "model.joblib"
    model.write_bytes(b"never unpickled")
    out = tmp_path / "x.onnx"
    code = ("import sys\nfrom skser.cli import main\n"
            f"status = main(['export', {str(model)!r}, '--out', {str(out)!r}, "
            "'--quantize', 'int8'])\n"
            "print(status, 'torch' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.split() == ["2", "False"]  # refused before torch is loaded
    assert "pass --calibration DIR" in done.stderr and "int8-dynamic" in done.stderr
    assert not out.exists()


def test_int8_that_quantizes_nothing_says_so(tmp_path, capsys):
    X, y, _ = make_emotional_speech(n_speakers=2, n_clips_per_class=2, random_state=0)
    model = tmp_path / "model.joblib"
    joblib.dump(make_ser_pipeline(max_iter=2).fit(X, y), model)
    out = tmp_path / "model.onnx"
    assert main(["export", str(model), "--out", str(out), "--quantize", "int8-dynamic"]) == 2
    error = capsys.readouterr().err
    assert "int8-dynamic changes nothing in this pipeline" in error
    assert "export it without quantization" in error
    assert not out.exists()  # no float model labelled int8


def test_speeds_sets_the_embedders_views_and_the_heads(tmp_path):
    common = ["train", "--speakers", "3", "--clips-per-class", "2", "--heads", "1",
              "--cache", str(tmp_path / "cache"), "--out"]
    X = make_emotional_speech(n_speakers=1, n_clips_per_class=1, random_state=3)[0]
    for speeds, views in ((["none"], ()), (["0.9"], (0.9,)), (["auto"], (0.9, 1.1))):
        model = tmp_path / f"{speeds[0]}.joblib"
        assert main([*common, str(model), "--speeds", *speeds]) == 0
        pipe = joblib.load(model)
        assert tuple(pipe[-2].speeds) == views
        # One view more: the clip through a telephone line.
        assert pipe[-1].n_views == 2 + len(views)
        # 171 features and 80 of spectral dynamics per view.
        assert pipe[1:-1].transform(X).shape[1] == 251 * (2 + len(views))


@pytest.mark.parametrize("speeds, message", [
    (["fast"], "--speeds takes auto, none or numbers such as 0.9 1.1, got fast"),
    (["3"], "--speeds 3: each speed must be in [0.5, 2], got 3.0"),
    # (Before: "each speed must be in [0.5, 2], got nan", which named no option.)
    (["0.9", "nan"], "--speeds 0.9 nan: each speed must be in [0.5, 2], got nan"),
    (["inf"], "--speeds inf: each speed must be in [0.5, 2], got inf"),
])
def test_bad_speeds_are_named(speeds, message, tmp_path, capsys):
    argv = ["train", "--speakers", "3", "--clips-per-class", "2", "--out",
            str(tmp_path / "m.joblib"), "--speeds", *speeds]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "m.joblib").exists()


def test_speeds_are_refused_with_distilhubert(tmp_path, capsys):
    argv = ["train", "--embedder", "distilhubert", "--local-files-only", "--speeds", "0.9",
            "--out", str(tmp_path / "m.joblib")]
    assert main(argv) == 2
    assert "speeds are built for the categorical task with the weight-free embedder" in (
        capsys.readouterr().err)


def test_noisy_copies_trains_on_more_rows_and_the_report_names_them(tmp_path, capsys):
    common = ["--speakers", "3", "--clips-per-class", "2", "--heads", "1", "--cache",
              str(tmp_path / "cache")]
    model = tmp_path / "m.joblib"
    assert main(["train", *common, "--noisy-copies", "2", "--out", str(model)]) == 0
    out = capsys.readouterr().out
    assert "fitted on 16 clips and 2 noisy copies of each" in out
    plain = tmp_path / "plain.joblib"
    assert main(["train", *common, "--out", str(plain)]) == 0
    X = make_emotional_speech(n_speakers=1, n_clips_per_class=1, random_state=3)[0]
    # the copies change what the head learnt
    assert abs(joblib.load(model).predict_proba(X) - joblib.load(plain).predict_proba(X)).max() \
        > 1e-3
    capsys.readouterr()
    assert main(["evaluate", *common, "--noisy-copies", "1"]) == 0
    assert "training rows resampled by NoisyCopies(n_copies=1, random_state=0)" in (
        capsys.readouterr().out)


@pytest.mark.parametrize("copies", ["-1", "two"])
def test_noisy_copies_must_be_a_whole_number(copies, capsys):
    with pytest.raises(SystemExit):
        main(["train", "--noisy-copies", copies, "--out", "x.joblib"])
    assert f"expected a whole number of at least 0, got '{copies}'" in capsys.readouterr().err


def test_channels_adds_the_telephone_view_and_copy_kinds_reach_the_copies(tmp_path):
    from skser.cli._options import COPY_KINDS
    from skser.preprocessing._copies import _KINDS

    assert COPY_KINDS == _KINDS
    model = tmp_path / "phone.joblib"
    assert main(["train", "--speakers", "3", "--clips-per-class", "2", "--heads", "1",
                 "--speeds", "none", "--channels", "telephone", "--noisy-copies", "1",
                 "--copy-kinds", "telephone", "room", "--cache", str(tmp_path / "cache"),
                 "--out", str(model)]) == 0
    pipe = joblib.load(model)
    assert tuple(pipe[-2].channels) == ("telephone",) and pipe[-1].n_views == 2
    X = make_emotional_speech(n_speakers=1, n_clips_per_class=1, random_state=3)[0]
    assert pipe[1:-1].transform(X).shape[1] == 2 * 251
    from argparse import Namespace

    from skser.cli._shared import sampler_of

    copies = sampler_of(Namespace(noisy_copies=1, copy_kinds=["telephone", "room"], seed=0))
    assert copies.kinds == ("telephone", "room") and copies.n_copies == 1


def test_copy_kinds_without_copies_is_refused(tmp_path, capsys):
    argv = ["train", "--speakers", "3", "--clips-per-class", "2", "--noisy-copies", "0",
            "--copy-kinds", "room", "--out", str(tmp_path / "m.joblib")]
    assert main(argv) == 2
    assert "--copy-kinds needs --noisy-copies N" in capsys.readouterr().err


def test_auto_copies_are_multi_condition_training_for_the_weight_free_classes_only():
    from skser.cli._options import COPY_KINDS
    from skser.cli._shared import sampler_of

    def sampler(**args):
        defaults = dict(noisy_copies="auto", copy_kinds=None, seed=3, embedder="weight-free",
                        task="categorical")
        return sampler_of(argparse.Namespace(**{**defaults, **args}))

    copies = sampler()
    # every kind but gsm (measured as the robustness benchmark's channels+gsm: not chosen)
    assert (copies.n_copies, copies.kinds, copies.snr_db, copies.random_state) == (
        2, tuple(kind for kind in COPY_KINDS if kind != "gsm"), (0.0, 30.0), 3)
    assert sampler(copy_kinds=["room"]).kinds == ("room",)
    assert sampler(noisy_copies=1).kinds == ("white", "babble", "floor")  # NoisyCopies' own
    for other in (dict(embedder="distilhubert"), dict(embedder="ssl"),
                  dict(task="dimensional"), dict(noisy_copies=0)):
        assert sampler(**other) is None, other
