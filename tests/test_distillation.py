import numpy as np
import onnxruntime as ort
import pytest
import torch
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skser.distillation import (
    Wav2SmallClassifier,
    Wav2SmallRegressor,
    distill,
    soft_cross_entropy,
    soften,
)
from skser.embedding import AcousticEmbedder
from skser.export import OnnxPipeline, to_onnx
from skser.io import as_batch
from skser.metrics import concordance_correlation_coefficient
from skser.preprocessing import PeakNormalizer

from .conftest import tone

# Half-second tones: a 4x2 pooling keeps 62 frames of 8 ms per clip.
SMALL = dict(n_channels=6, n_layers=3, pool_size=(4, 2), crop_duration=None, random_state=0)


def _tones(n_per_class, seed, seconds=0.5):
    """Noisy tones: class "low" near 300 Hz, "high" near 2 kHz, at random levels."""
    rng = np.random.default_rng(seed)
    clips, labels, pitch = [], [], []
    for label, (low, high) in {"low": (200, 400), "high": (1500, 2500)}.items():
        for _ in range(n_per_class):
            frequency = rng.uniform(low, high)
            clip = tone(seconds, frequency, amplitude=rng.uniform(0.05, 0.5))
            clip = clip + 0.01 * rng.standard_normal(clip.size).astype(np.float32)
            clips.append(clip)
            labels.append(label)
            pitch.append(np.log2(frequency))
    return as_batch(clips), np.array(labels), np.array(pitch)


@pytest.fixture(scope="module")
def tones():
    return _tones(12, seed=0), _tones(6, seed=1)


@pytest.fixture(scope="module")
def teacher(tones):
    (X, y, _), _ = tones
    return make_pipeline(AcousticEmbedder(), StandardScaler(),
                         LogisticRegression(max_iter=1000)).fit(X, y)


@pytest.fixture(scope="module")
def student(tones):
    (X, y, _), (X_val, y_val, _) = tones
    return Wav2SmallClassifier(max_iter=12, **SMALL).fit(X, y, X_val=X_val, y_val=y_val)


# -- the student -----------------------------------------------------------------------


def test_default_student_has_fewer_than_75k_parameters_and_sizes_are_parameters(tones):
    (X, y, _), _ = tones
    default = Wav2SmallClassifier(max_iter=1, random_state=0).fit(X[::4], y[::4])
    counted = sum(p.numel() for p in default.module_.parameters() if p.requires_grad)
    assert default.n_parameters_ == counted < 75_000
    wider = Wav2SmallClassifier(max_iter=1, n_channels=20, random_state=0).fit(X[::4], y[::4])
    assert wider.n_parameters_ > default.n_parameters_


def test_student_score_refuses_labels_it_cannot_score(student, tones):
    # Was sklearn's mean accuracy: an unknown or missing label silently counted wrong.
    _, (X_test, y_test, _) = tones
    bad = y_test.astype(object)
    bad[1] = "mid"
    with pytest.raises(ValueError, match=r"not among the classes \['high', 'low'\]: 'mid' "
                       r"\(first at index 1\)"):
        student.score(X_test, bad)
    bad[1] = None
    with pytest.raises(ValueError, match=r"missing label \(None\) at index 1"):
        student.score(X_test, bad)


def test_classifier_learns_tones_of_unseen_levels(student, tones):
    _, (X_test, y_test, _) = tones
    assert student.classes_.tolist() == ["high", "low"]
    assert student.score(X_test, y_test) >= 0.9
    proba = student.predict_proba(X_test)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)


def test_outputs_ignore_padding_and_batch_composition(student, tones):
    _, (X, _, _) = tones
    expected = student.predict_proba(X)
    padded = np.pad(X, ((0, 0), (0, 8000)))
    np.testing.assert_allclose(student.predict_proba(padded), expected, atol=1e-6)
    alone = np.stack([student.predict_proba(X[i : i + 1])[0] for i in range(3)])
    np.testing.assert_allclose(alone, expected[:3], atol=1e-6)


def test_clips_shorter_than_one_window_are_padded_not_refused(student):
    proba = student.predict_proba(as_batch([np.full(10, 0.1), np.zeros(5)]))
    assert proba.shape == (2, 2) and np.isfinite(proba).all()


def test_early_stopping_restores_the_best_epoch(student, tones):
    _, (X_val, y_val, _) = tones
    from skser.metrics import unweighted_accuracy

    assert len(student.validation_scores_) == student.n_iter_
    best = student.validation_scores_[student.best_epoch_ - 1]
    assert best == max(student.validation_scores_)
    assert unweighted_accuracy(y_val, student.predict(X_val)) == pytest.approx(best)


@pytest.mark.parametrize("loss", ["mse", "ccc"])
def test_regressor_learns_each_dimension(tones, loss):
    (X, _, pitch), (X_test, _, pitch_test) = tones
    y = np.column_stack([pitch, -2 * pitch + 1])
    regressor = Wav2SmallRegressor(loss=loss, max_iter=15, early_stopping=False,
                                   **SMALL).fit(X, y)
    predicted = regressor.predict(X_test)
    assert predicted.shape == (len(X_test), 2)
    scores = concordance_correlation_coefficient(
        np.column_stack([pitch_test, -2 * pitch_test + 1]), predicted, multioutput="raw_values"
    )
    assert (scores > 0.5).all()
    one = Wav2SmallRegressor(max_iter=1, **SMALL).fit(X, pitch)
    assert one.predict(X_test).shape == (len(X_test),)


def test_ccc_loss_is_the_public_ccc_loss_on_standardised_targets(tones, monkeypatch):
    import skser.regression

    (X, _, pitch), _ = tones
    y = np.column_stack([pitch, pitch**2])
    calls = []
    public = skser.regression.ccc_loss

    def spy(pred, target, **kwargs):
        calls.append((pred.shape, float(target.mean()), float(target.std())))
        return public(pred, target, **kwargs)

    monkeypatch.setattr(skser.regression, "ccc_loss", spy)
    mse = Wav2SmallRegressor(max_iter=2, early_stopping=False, **SMALL).fit(X, y)
    assert calls == []
    ccc = Wav2SmallRegressor(loss="ccc", max_iter=2, early_stopping=False, **SMALL).fit(X, y)
    assert calls and all(shape[1] == 2 for shape, _, _ in calls)
    _, mean, std = calls[0]  # one batch holds every clip: standardised targets
    assert abs(mean) < 1e-5 and 0.9 < std < 1.1
    assert 0 <= min(ccc.loss_curve_) and max(ccc.loss_curve_) <= 2
    assert ccc.loss_curve_ != mse.loss_curve_
    with pytest.raises(ValueError, match="loss"):
        Wav2SmallRegressor(loss="mae", **SMALL).fit(X, y)


@pytest.mark.parametrize(
    "params, match",
    [({"pool_after": 9}, "pool_after"), ({"pool_size": (0, 2)}, "pool_size"),
     ({"hop_length": 128}, "hop_length"), ({"n_mels": 2, "pool_size": (2, 4)}, "n_mels")],
)
def test_bad_sizes_are_refused_by_name(params, match, tones):
    (X, y, _), _ = tones
    with pytest.raises(ValueError, match=match):
        Wav2SmallClassifier(**params).fit(X, y)


def test_bad_clips_are_refused_naming_the_clip(student):
    X = np.zeros((2, 1000), dtype=np.float32)
    X[1, 3] = np.nan
    with pytest.raises(ValueError, match="clip 1"):
        student.predict(X)


# -- the losses ------------------------------------------------------------------------


def test_soften_is_a_temperature_on_the_teachers_logits():
    logits = torch.tensor([[2.0, 0.5, -1.0]])
    for temperature in (1.0, 2.0, 5.0):
        np.testing.assert_allclose(soften(torch.softmax(logits, 1), temperature),
                                   torch.softmax(logits / temperature, 1), atol=1e-6)


def test_soft_cross_entropy_is_zero_only_at_the_teacher_and_scaled_by_t_squared():
    target = soften(torch.tensor([[0.6, 0.3, 0.1]]), 2.0)
    matching = torch.log(target) * 2.0
    assert soft_cross_entropy(matching, target, 2.0).item() == pytest.approx(0.0, abs=1e-6)
    other = torch.tensor([[0.0, 1.0, 0.0]])
    assert soft_cross_entropy(other, target, 2.0).item() > 0.01
    kl = torch.nn.functional.kl_div(torch.log_softmax(other / 3.0, 1), target,
                                    reduction="batchmean")
    assert soft_cross_entropy(other, target, 3.0).item() == pytest.approx(9 * kl.item())


# -- distill ---------------------------------------------------------------------------


class CountingTeacher:
    """A real fitted teacher that counts the clips it is asked to label."""

    def __init__(self, teacher):
        self.teacher, self.classes_, self.clips = teacher, teacher.classes_, 0
        self.steps = teacher.steps  # what distill reads the shortest clip it takes from

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(1)]

    def predict_proba(self, X):
        self.clips += len(X)
        return self.teacher.predict_proba(X)


@pytest.mark.parametrize("max_iter", [1, 4])
def test_teacher_labels_each_view_once_whatever_the_epochs(teacher, tones, max_iter):
    (X, _, _), (X_val, _, _) = tones
    counting = CountingTeacher(teacher)
    student = distill(counting, X, student=Wav2SmallClassifier(max_iter=max_iter, **SMALL),
                      n_views=3, X_val=X_val, random_state=0)
    assert counting.clips == 3 * len(X) + len(X_val)
    assert student.n_views_ == 3 * len(X)
    assert student.n_iter_ == max_iter


@pytest.mark.parametrize("params, match", [
    ({"n_views": 0}, "'n_views' parameter of distill"),
    ({"temperature": 0.0}, "'temperature' parameter of distill"),
    ({"student": Wav2SmallClassifier(crop_duration=0.01)}, "crop_duration=0.01 s is shorter"),
])
def test_distill_checks_its_parameters_before_the_teacher_labels_anything(teacher, tones,
                                                                          params, match):
    (X, _, _), _ = tones
    counting = CountingTeacher(teacher)
    with pytest.raises(ValueError, match=match):
        distill(counting, X, **params)
    assert counting.clips == 0


def test_distilled_student_agrees_with_teacher_on_unseen_clips(teacher, tones):
    (X, _, _), (X_val, _, _) = tones
    X_unseen = _tones(6, seed=2)[0]
    student = distill(teacher, X, student=Wav2SmallClassifier(max_iter=12, **SMALL),
                      n_views=3, X_val=X_val, random_state=0)
    assert student.classes_.tolist() == teacher.classes_.tolist()
    assert np.mean(student.predict(X_unseen) == teacher.predict(X_unseen)) >= 0.9
    best = student.validation_scores_[student.best_epoch_ - 1]
    assert np.mean(student.predict(X_val) == teacher.predict(X_val)) == pytest.approx(best)


def test_augmented_views_are_new_views(teacher, tones):
    (X, _, _), _ = tones
    counting = CountingTeacher(teacher)
    plain = distill(counting, X, student=Wav2SmallClassifier(max_iter=1, **SMALL), n_views=2,
                    augment=False, random_state=0)
    augmented = distill(counting, X, student=Wav2SmallClassifier(max_iter=1, **SMALL),
                        n_views=2, augment=True, random_state=0)
    # Same seeds, same crops: only the augmentation of the second view differs.
    assert not np.allclose(plain.predict_proba(X), augmented.predict_proba(X))


def test_an_exported_teacher_and_hard_labels_can_teach(teacher, tones):
    (X, y, _), _ = tones
    runtime = OnnxPipeline(to_onnx(teacher))
    student = distill(runtime, X, y=y, hard_label_weight=0.5, n_views=1,
                      student=Wav2SmallClassifier(max_iter=2, **SMALL), random_state=0)
    assert student.classes_.tolist() == ["high", "low"]
    with pytest.raises(ValueError, match=r"y\[0\] = 'loud' is not one of"):
        distill(runtime, X, y=np.array(["loud"] * len(X)), n_views=1)


def test_dimensional_teacher_gives_a_regressor_student(tones):
    (X, _, pitch), (X_val, _, _) = tones
    y = np.column_stack([pitch, pitch**2])
    ridge = make_pipeline(AcousticEmbedder(), StandardScaler(), Ridge()).fit(X, y)
    student = distill(ridge, X, n_views=2, X_val=X_val, random_state=0,
                      student=Wav2SmallRegressor(max_iter=3, **SMALL))
    assert isinstance(student, Wav2SmallRegressor)
    by_ccc = distill(ridge, X, n_views=2, X_val=X_val, random_state=0,
                     student=Wav2SmallRegressor(loss="ccc", max_iter=3, **SMALL))
    assert by_ccc.loss == "ccc" and by_ccc.loss_curve_ != student.loss_curve_
    assert student.predict(X_val).shape == (len(X_val), 2)
    assert student.teacher_kind_ == "dimensional"
    with pytest.raises(ValueError, match="needs a Wav2SmallRegressor"):
        distill(ridge, X, student=Wav2SmallClassifier())
    with pytest.raises(ValueError, match="categorical teacher only"):
        distill(ridge, X, y=np.zeros(len(X)))


# -- export ----------------------------------------------------------------------------


def test_onnx_export_matches_torch_and_computes_lengths_in_graph(student, tones):
    _, (X, _, _) = tones
    model = to_onnx(student)
    assert [i.name for i in model.graph.input] == ["waveforms"]
    runtime = OnnxPipeline(model)
    expected = student.predict_proba(X)
    np.testing.assert_allclose(runtime.predict_proba(X), expected, atol=1e-4)
    assert runtime.predict(X).tolist() == student.predict(X).tolist()
    session = ort.InferenceSession(model.SerializeToString())
    padded = np.pad(X, ((0, 0), (0, 4000)))  # the graph sees the padding, finds the lengths
    np.testing.assert_allclose(session.run(["probabilities"], {"waveforms": padded})[0],
                               expected, atol=1e-4)


def test_int8_export_keeps_agreement_with_fp32(student, tones):
    (X, _, _), (X_test, _, _) = tones
    fp32 = to_onnx(student)
    int8 = to_onnx(student, quantize="int8", calibration=X)
    assert any(node.op_type == "QuantizeLinear" for node in int8.graph.node)
    reference = OnnxPipeline(fp32).predict(X_test)
    assert np.mean(OnnxPipeline(int8).predict(X_test) == reference) >= 0.9


def test_student_in_a_pipeline_and_regressor_export(tones):
    (X, y, pitch), (X_test, _, _) = tones
    pipe = make_pipeline(PeakNormalizer(), Wav2SmallClassifier(max_iter=1, **SMALL)).fit(X, y)
    np.testing.assert_allclose(OnnxPipeline(to_onnx(pipe)).predict_proba(X_test),
                               pipe.predict_proba(X_test), atol=1e-4)
    regressor = Wav2SmallRegressor(max_iter=1, **SMALL).fit(X, np.column_stack([pitch, pitch]))
    session = ort.InferenceSession(to_onnx(regressor).SerializeToString())
    (values,) = session.run(None, {"waveforms": X_test})
    np.testing.assert_allclose(values, regressor.predict(X_test), atol=1e-4)
