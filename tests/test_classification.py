import pickle

import joblib
import librosa
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.datasets import make_blobs, make_classification
from sklearn.decomposition import PCA
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline

from skser.classification import FocalLossClassifier, focal_loss
from skser.datasets import load_ravdess
from skser.exceptions import InvalidParameterError
from skser.io import load_audio
from skser.utils._mlp_head import Standardize
from skser.utils._schedule import warmup_cosine

# -- focal_loss ------------------------------------------------------------------------


def _logits_target(n_samples=12, n_classes=4, seed=0, dtype=torch.float32):
    generator = torch.Generator().manual_seed(seed)
    logits = 2 * torch.randn(n_samples, n_classes, generator=generator, dtype=dtype)
    target = torch.randint(n_classes, (n_samples,), generator=generator)
    return logits, target


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1, 0.5])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_gamma_zero_is_torch_cross_entropy(label_smoothing, reduction, weighted):
    logits, target = _logits_target()
    alpha = torch.tensor([0.5, 2.0, 1.0, 3.0]) if weighted else None
    ours = focal_loss(
        logits,
        target,
        gamma=0.0,
        alpha=alpha,
        label_smoothing=label_smoothing,
        reduction=reduction,
    )
    theirs = F.cross_entropy(
        logits, target, weight=alpha, label_smoothing=label_smoothing, reduction=reduction
    )
    torch.testing.assert_close(ours, theirs)


def test_matches_the_focal_loss_formula_without_smoothing():
    logits, target = _logits_target()
    alpha = torch.tensor([0.5, 2.0, 1.0, 3.0])
    p_t = logits.softmax(1)[torch.arange(len(target)), target]
    expected = -alpha[target] * (1 - p_t) ** 2.5 * p_t.log()
    got = focal_loss(logits, target, gamma=2.5, alpha=alpha, reduction="none")
    torch.testing.assert_close(got, expected)
    mean = focal_loss(logits, target, gamma=2.5, alpha=alpha)
    torch.testing.assert_close(mean, expected.sum() / alpha[target].sum())


def test_label_smoothing_modulates_each_class_term():
    logits, target = _logits_target()
    eps, gamma, n_classes = 0.2, 1.5, logits.shape[1]
    p = logits.softmax(1)
    q = (1 - eps) * F.one_hot(target, n_classes) + eps / n_classes
    expected = -(q * (1 - p) ** gamma * p.log()).sum(1)
    got = focal_loss(logits, target, gamma=gamma, label_smoothing=eps, reduction="none")
    torch.testing.assert_close(got, expected)


def test_alpha_scales_each_sample_by_its_class_weight():
    logits, target = _logits_target()
    plain = focal_loss(logits, target, reduction="none")
    alpha = torch.tensor([1.0, 0.0, 2.0, 5.0])
    weighted = focal_loss(logits, target, alpha=alpha, reduction="none")
    torch.testing.assert_close(weighted, alpha[target] * plain)
    assert torch.all(weighted[target == 1] == 0)
    # "mean" is a weighted mean: uniform weights change nothing.
    torch.testing.assert_close(
        focal_loss(logits, target, alpha=torch.full((4,), 7.0)), focal_loss(logits, target)
    )


def test_gamma_down_weights_well_classified_examples():
    logits = torch.tensor([[4.0, 0.0, 0.0], [0.5, 0.0, 0.0], [-2.0, 0.0, 0.0]])
    target = torch.zeros(3, dtype=torch.long)
    ce = focal_loss(logits, target, gamma=0.0, reduction="none")
    focal = focal_loss(logits, target, gamma=2.0, reduction="none")
    ratio = focal / ce
    assert torch.all(focal < ce)
    # The easier the example (higher p_t), the stronger the down-weighting.
    assert ratio[0] < ratio[1] < ratio[2]
    assert ratio[0] < 0.01 and ratio[2] > 0.7


@pytest.mark.parametrize("gamma", [0.0, 0.5, 2.0])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_gradients_match_finite_differences(gamma, label_smoothing):
    logits, target = _logits_target(n_samples=5, n_classes=3, dtype=torch.float64)
    logits.requires_grad_(True)
    alpha = torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64)
    assert torch.autograd.gradcheck(
        lambda z: focal_loss(z, target, gamma=gamma, alpha=alpha, label_smoothing=label_smoothing),
        (logits,),
    )


def test_gradient_is_finite_for_a_certain_prediction():
    logits = torch.tensor([[200.0, 0.0], [0.0, 0.0]], requires_grad=True)
    loss = focal_loss(logits, torch.tensor([0, 1]), gamma=0.5, label_smoothing=0.1)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(logits.grad).all()


@pytest.mark.parametrize(
    "logits, target, kwargs, match",
    [
        (torch.zeros(4), torch.zeros(4, dtype=torch.long), {}, "logits must be 2-D"),
        (torch.zeros(4, 3, 2), torch.zeros(4, dtype=torch.long), {}, "logits must be 2-D"),
        (torch.zeros(4, 1), torch.zeros(4, dtype=torch.long), {}, "at least 2 classes"),
        (torch.zeros(4, 3, dtype=torch.long), torch.zeros(4, dtype=torch.long), {}, "floating"),
        (np.zeros((4, 3)), torch.zeros(4, dtype=torch.long), {}, "torch.Tensor"),
        (torch.zeros(4, 3), torch.zeros(5, dtype=torch.long), {}, r"expected shape \(4,\)"),
        (torch.zeros(4, 3), torch.zeros(4, 3, dtype=torch.long), {}, "target must be 1-D"),
        (torch.zeros(4, 3), torch.zeros(4), {}, "integer"),
        (torch.zeros(4, 3), torch.tensor([0, 1, 3, -1]), {}, r"outside \[0, 2\]: \[-1, 3\]"),
        (torch.zeros(4, 3), torch.zeros(4, dtype=torch.long), {"gamma": -1.0}, "gamma"),
        (torch.zeros(4, 3), torch.zeros(4, dtype=torch.long), {"alpha": torch.ones(2)}, "alpha"),
        (
            torch.zeros(4, 3),
            torch.zeros(4, dtype=torch.long),
            {"alpha": torch.tensor([1.0, -1.0, 1.0])},
            "non-negative",
        ),
        (
            torch.zeros(4, 3),
            torch.zeros(4, dtype=torch.long),
            {"label_smoothing": 1.5},
            "label_smoothing",
        ),
        (torch.zeros(4, 3), torch.zeros(4, dtype=torch.long), {"reduction": "avg"}, "reduction"),
    ],
)
def test_focal_loss_rejects_bad_input(logits, target, kwargs, match):
    with pytest.raises(ValueError, match=match):
        focal_loss(logits, target, **kwargs)


# -- the schedule ----------------------------------------------------------------------


def test_schedule_warms_up_linearly_then_decays_as_a_cosine():
    total, warmup = 100, 10
    factors = np.array(
        [warmup_cosine(s, total_steps=total, warmup_steps=warmup) for s in range(total)]
    )
    np.testing.assert_allclose(factors[:warmup], np.arange(1, warmup + 1) / warmup)
    assert factors[warmup] == 1.0
    decay = factors[warmup:]
    assert np.all(np.diff(decay) < 0) and 0 < decay[-1] < 0.01
    # Half-way through the decay the cosine is at one half.
    np.testing.assert_allclose(decay[45], 0.5)
    assert np.all(factors > 0)


def test_schedule_without_warm_up_starts_at_full_rate():
    assert warmup_cosine(0, total_steps=10, warmup_steps=0) == 1.0
    with pytest.raises(ValueError, match="warmup_steps"):
        warmup_cosine(0, total_steps=10, warmup_steps=11)


# -- FocalLossClassifier ---------------------------------------------------------------


def _easy(n_samples=160, n_features=20, n_classes=3, seed=0):
    X, y = make_blobs(
        n_samples=n_samples, n_features=n_features, centers=n_classes, random_state=seed
    )
    # Raw features on a scale far from standard: the module standardises them itself.
    return (50 + 30 * X).astype(np.float32), y


def _hard(n_samples=120):
    """Few samples, many noisy features: a head that overfits."""
    return make_classification(
        n_samples=n_samples,
        n_features=200,
        n_informative=4,
        n_redundant=0,
        n_classes=3,
        flip_y=0.2,
        random_state=0,
    )


def test_learns_an_easy_problem():
    X, y = _easy()
    clf = FocalLossClassifier(random_state=0).fit(X[:120], y[:120])
    assert clf.score(X[120:], y[120:]) > 0.95
    proba = clf.predict_proba(X[120:])
    assert proba.shape == (40, 3) and proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(1), 1.0)
    np.testing.assert_array_equal(clf.predict(X[120:]), clf.classes_[proba.argmax(1)])
    assert clf.n_features_in_ == 20
    assert len(clf.loss_curve_) == clf.n_iter_
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]


@pytest.mark.parametrize("n_ensemble", [1, 3])
def test_module_maps_raw_features_to_logits(n_ensemble):
    X, y = _easy()
    clf = FocalLossClassifier(
        max_iter=5, early_stopping=False, n_ensemble=n_ensemble, random_state=0
    ).fit(X, y)
    module = clf.module_
    assert isinstance(module, torch.nn.Module) and not module.training
    first = module[0]
    assert isinstance(first, Standardize)
    np.testing.assert_allclose(first.mean.numpy(), X.mean(0), rtol=1e-5)
    np.testing.assert_allclose(first.scale.numpy(), X.std(0), rtol=1e-4)
    assert dict(module.named_buffers()).keys() == {"0.mean", "0.scale"}
    with torch.no_grad():
        logits = module(torch.from_numpy(X))
    np.testing.assert_allclose(
        torch.softmax(logits.double(), 1).numpy(), clf.predict_proba(X), atol=1e-6
    )


@pytest.mark.parametrize("sizes, widths", [((), []), (8, [8]), ((32, 16), [32, 16])])
def test_hidden_layer_sizes_shape_the_module(sizes, widths):
    X, y = _easy()
    clf = FocalLossClassifier(
        hidden_layer_sizes=sizes, max_iter=2, n_ensemble=1, random_state=0
    ).fit(X, y)
    linears = [m for m in clf.module_ if isinstance(m, torch.nn.Linear)]
    assert [m.out_features for m in linears] == [*widths, 3]
    assert linears[0].in_features == 20


def test_constant_feature_gets_unit_scale():
    X, y = _easy()
    X[:, 3] = 7.0
    clf = FocalLossClassifier(max_iter=3, random_state=0).fit(X, y)
    assert clf.module_[0].scale[3] == 1.0
    assert np.isfinite(clf.predict_proba(X)).all()


def test_binary_and_string_labels():
    X, y = _easy(n_classes=2)
    names = np.array(["neu", "ang"])[y]
    clf = FocalLossClassifier(n_ensemble=1, random_state=0).fit(X, names)
    assert clf.classes_.tolist() == ["ang", "neu"]
    assert set(clf.predict(X)) <= {"ang", "neu"}
    assert clf.score(X, names) > 0.95
    # predict_proba's columns follow classes_: column 1 is "neu".
    proba = clf.predict_proba(X)
    assert proba[names == "neu", 1].min() > 0.5 > proba[names == "ang", 1].max()


def test_integer_labels_are_kept():
    X, y = _easy()
    labels = np.array([10, -3, 42])[y]
    clf = FocalLossClassifier(n_ensemble=1, random_state=0).fit(X, labels)
    assert clf.classes_.tolist() == [-3, 10, 42]
    assert clf.predict(X).dtype == labels.dtype


def test_class_weight_variants_set_alpha():
    X, y = _easy()
    keep = np.r_[np.flatnonzero(y == 0), np.flatnonzero(y == 1)[:20], np.flatnonzero(y == 2)]
    X, y = X[keep], y[keep]
    counts = np.bincount(y)
    params = {"max_iter": 2, "early_stopping": False, "n_ensemble": 1, "random_state": 0}
    balanced = FocalLossClassifier(**params).fit(X, y).class_weight_
    np.testing.assert_allclose(balanced, len(y) / (3 * counts))
    none = FocalLossClassifier(class_weight=None, **params).fit(X, y).class_weight_
    np.testing.assert_array_equal(none, np.ones(3))
    given = FocalLossClassifier(class_weight={1: 5.0}, **params).fit(X, y).class_weight_
    np.testing.assert_array_equal(given, [1.0, 5.0, 1.0])
    with pytest.raises(ValueError, match="class_weight"):
        FocalLossClassifier(class_weight={7: 2.0}, **params).fit(X, y)


def test_class_weight_shifts_predictions_towards_the_weighted_class():
    X, y = make_classification(
        n_samples=200, n_features=10, n_informative=2, class_sep=0.3, random_state=0
    )
    params = {"early_stopping": False, "max_iter": 30, "n_ensemble": 1, "random_state": 0}
    heavy0 = FocalLossClassifier(class_weight={0: 20.0, 1: 1.0}, **params).fit(X, y)
    heavy1 = FocalLossClassifier(class_weight={0: 1.0, 1: 20.0}, **params).fit(X, y)
    assert (heavy0.predict(X) == 0).mean() > 0.7
    assert (heavy1.predict(X) == 1).mean() > 0.7


def test_label_smoothing_softens_the_probabilities():
    X, y = _easy()
    params = {
        "early_stopping": False, "max_iter": 40, "n_ensemble": 1, "random_state": 0, "gamma": 0.0
    }
    sharp = FocalLossClassifier(label_smoothing=0.0, **params).fit(X, y)
    smooth = FocalLossClassifier(label_smoothing=0.3, **params).fit(X, y)
    assert sharp.score(X, y) == smooth.score(X, y) == 1.0
    # With smoothing eps the optimum of the training loss is 1 - eps + eps / K.
    assert smooth.predict_proba(X).max(1).mean() < 0.85
    assert sharp.predict_proba(X).max(1).mean() > 0.95


def _best_by_ua_then_loss(clf):
    keys = list(zip(clf.validation_scores_, -np.asarray(clf.validation_loss_curve_)))
    return max(range(len(keys)), key=keys.__getitem__) + 1


def test_early_stopping_stops_and_restores_the_best_epoch():
    X, y = _hard()
    clf = FocalLossClassifier(
        max_iter=200, n_iter_no_change=5, learning_rate_init=3e-3, n_ensemble=1, random_state=0
    ).fit(X, y)
    assert clf.n_iter_ < 200
    assert len(clf.validation_scores_) == len(clf.validation_loss_curve_) == clf.n_iter_
    assert len(clf.loss_curve_) == clf.n_iter_
    assert clf.best_epoch_ == clf.n_iter_ - 5
    # The best epoch has the highest validation UA, ties going to the lower loss.
    assert clf.best_epoch_ == _best_by_ua_then_loss(clf)


def _fit_with_early_stopping(n_ensemble):
    """A classifier that early-stops on a held-out half of a hard problem, and that half."""
    X, y = _hard(n_samples=240)
    X, X_val, y, y_val = X[:120], X[120:], y[:120], y[120:]
    clf = FocalLossClassifier(
        max_iter=200, n_iter_no_change=5, learning_rate_init=3e-3, n_ensemble=n_ensemble,
        random_state=0,
    ).fit(X, y, X_val=X_val, y_val=y_val)
    return clf, X_val, y_val


def test_early_stopping_restores_the_best_weights():
    clf, X_val, y_val = _fit_with_early_stopping(n_ensemble=1)
    assert clf.best_epoch_ == clf.n_iter_ - 5 == _best_by_ua_then_loss(clf)
    # The module kept scores the best epoch's validation UA, not the last epoch's.
    restored = balanced_accuracy_score(y_val, clf.predict(X_val))
    assert restored == pytest.approx(clf.validation_scores_[clf.best_epoch_ - 1])
    assert restored > clf.validation_scores_[-1]


def test_explicit_validation_set_is_used():
    X, y = _hard(n_samples=240)
    X, X_val, y, y_val = X[:120], X[120:], y[:120], y[120:]
    clf = FocalLossClassifier(max_iter=30, n_iter_no_change=30, n_ensemble=1, random_state=0)
    clf.fit(X, y, X_val=X_val, y_val=y_val)
    assert len(clf.validation_scores_) == 30
    # The module kept is the best epoch's, scored on X_val.
    best_score = balanced_accuracy_score(y_val, clf.predict(X_val))
    assert best_score == pytest.approx(max(clf.validation_scores_))
    assert clf.validation_scores_[clf.best_epoch_ - 1] == max(clf.validation_scores_)


def test_explicit_validation_monitors_without_early_stopping():
    X, y = _easy()
    X, X_val, y, y_val = X[:120], X[120:], y[:120], y[120:]
    clf = FocalLossClassifier(max_iter=8, early_stopping=False, n_ensemble=1, random_state=0)
    clf.fit(X, y, X_val=X_val, y_val=y_val)
    assert len(clf.validation_scores_) == clf.n_iter_ == clf.best_epoch_ == 8


def test_no_validation_without_early_stopping():
    X, y = _easy()
    clf = FocalLossClassifier(max_iter=4, early_stopping=False, random_state=0).fit(X, y)
    assert clf.validation_scores_ is None
    assert clf.n_iter_ == clf.best_epoch_ == 4


def test_tiny_dataset_trains_on_everything():
    X = np.array([[0.0, 1.0], [1.0, 0.0], [0.1, 0.9], [0.9, 0.2], [5.0, 5.0]])
    y = np.array([0, 1, 0, 1, 2])  # class 2 has one sample: no stratified split
    clf = FocalLossClassifier(max_iter=10, random_state=0).fit(X, y)
    assert clf.validation_scores_ is None and clf.n_iter_ == 10
    assert clf.predict(X).shape == (5,)


def test_random_state_reproduces_and_seeds_differ():
    X, y = _hard()
    params = {"max_iter": 15, "n_ensemble": 2}
    a = FocalLossClassifier(random_state=3, **params).fit(X, y).predict_proba(X)
    b = FocalLossClassifier(random_state=3, **params).fit(X, y).predict_proba(X)
    c = FocalLossClassifier(random_state=4, **params).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


# -- ensemble --------------------------------------------------------------------------


def _head_probabilities(clf, X):
    """Each head's softmax, computed from ``module_``'s parts: (n_heads, n, n_classes)."""
    with torch.no_grad():
        standardized = clf.module_[0](torch.as_tensor(X, dtype=torch.float32))
        return np.stack([
            torch.softmax(head(standardized).double(), 1).numpy()
            for head in clf.module_[1].heads
        ])


def test_ensemble_predicts_the_mean_of_the_heads_probabilities():
    X, y = _hard(n_samples=160)
    clf = FocalLossClassifier(max_iter=8, n_ensemble=4, calibration=None, random_state=0)
    clf.fit(X[:120], y[:120])
    heads = _head_probabilities(clf, X[120:])
    assert heads.shape == (4, 40, 3)
    proba = clf.predict_proba(X[120:])
    np.testing.assert_allclose(proba, heads.mean(0), atol=1e-6)
    np.testing.assert_array_equal(clf.predict(X[120:]), clf.classes_[proba.argmax(1)])
    # Not the softmax of the mean logits: on this noisy problem the two differ.
    with torch.no_grad():
        standardized = clf.module_[0](torch.as_tensor(X[120:], dtype=torch.float32))
        mean_logits = torch.stack([head(standardized) for head in clf.module_[1].heads]).mean(0)
    assert not np.allclose(proba, torch.softmax(mean_logits.double(), 1).numpy(), atol=1e-4)
    # The heads differ, from their initialisation on.
    for k in range(1, 4):
        assert not np.allclose(heads[0], heads[k], atol=1e-3)
    first_layers = [head[0].weight for head in clf.module_[1].heads]
    assert not torch.equal(first_layers[0], first_layers[1])


def test_each_head_restores_its_own_best_epoch():
    clf, X_val, y_val = _fit_with_early_stopping(n_ensemble=3)
    history = clf.ensemble_history_
    assert len(history) == 3
    heads = _head_probabilities(clf, X_val)
    for k, (record, proba) in enumerate(zip(history, heads)):
        scores = record["validation_scores_"]
        assert len(scores) == len(record["loss_curve_"]) == record["n_iter_"] < 200
        assert record["best_epoch_"] == record["n_iter_"] - 5
        # Head k holds its own best epoch's weights, scored on the shared X_val.
        restored = balanced_accuracy_score(y_val, proba.argmax(1))
        assert restored == pytest.approx(scores[record["best_epoch_"] - 1]), k
    # Each head stopped on its own: they did not all run the same epochs.
    assert len({(r["best_epoch_"], tuple(r["validation_scores_"])) for r in history}) == 3
    # The single-head attributes are the first head's.
    for name, value in history[0].items():
        assert getattr(clf, name) == value


def test_one_head_is_the_first_head_of_an_ensemble():
    X, y = _hard()
    params = {"max_iter": 10, "random_state": 5, "calibration": None}
    one = FocalLossClassifier(n_ensemble=1, **params).fit(X, y)
    three = FocalLossClassifier(n_ensemble=3, **params).fit(X, y)
    assert isinstance(one.module_[1], torch.nn.Linear)  # one head: no averaging layer
    assert three.ensemble_history_[0] == one.ensemble_history_[0]
    expected = {name: getattr(one, name) for name in one.ensemble_history_[0]}
    assert one.ensemble_history_ == [expected]
    np.testing.assert_allclose(_head_probabilities(three, X)[0], one.predict_proba(X), atol=1e-6)


def test_one_head_reproduces_the_single_head_classifier():
    # n_ensemble=1 draws the seeds the classifier drew before it had n_ensemble (split,
    # torch, shuffle from random_state) and trains one head with them: rebuilt here by hand.
    X, y = _hard()
    clf = FocalLossClassifier(max_iter=12, n_ensemble=1, calibration=None, random_state=11)
    clf.fit(X, y)
    split_seed, torch_seed, shuffle_seed = (
        int(seed) for seed in np.random.RandomState(11).randint(np.iinfo(np.int32).max, size=3)
    )
    X_train, X_val, y_train, y_val = train_test_split(
        X, y, test_size=0.1, stratify=y, random_state=split_seed
    )
    by_hand = FocalLossClassifier(max_iter=12, n_ensemble=1)
    by_hand.class_weight_ = len(y_train) / (3 * np.bincount(y_train))
    by_hand._fit_module(X_train, y_train, X_val, y_val, n_outputs=3, hidden=[256],
                        device=torch.device("cpu"), seeds=[(torch_seed, shuffle_seed)])
    assert by_hand.validation_scores_ == clf.validation_scores_
    theirs = by_hand.module_.state_dict()
    for name, ours in clf.module_.state_dict().items():
        torch.testing.assert_close(ours, theirs[name], rtol=0, atol=0)
    # And the probabilities the single-head classifier gave before n_ensemble existed
    # (recorded from that code on this problem; no early stopping, so no discrete choice).
    old = FocalLossClassifier(max_iter=5, early_stopping=False, n_ensemble=1, random_state=0)
    old.fit(X[:100], y[:100])
    recorded = [
        [0.236440, 0.261497, 0.502063],
        [0.179276, 0.316826, 0.503898],
        [0.418797, 0.201743, 0.379460],
        [0.384640, 0.213018, 0.402342],
    ]
    np.testing.assert_allclose(old.predict_proba(X[100:104]), recorded, atol=1e-4)


def test_default_is_an_ensemble_of_five():
    X, y = _easy()
    clf = FocalLossClassifier(max_iter=2, early_stopping=False, random_state=0).fit(X, y)
    assert clf.n_ensemble == 5
    assert len(clf.module_[1].heads) == len(clf.ensemble_history_) == 5


def test_fit_leaves_torch_global_state_alone():
    X, y = _easy()
    threads = torch.get_num_threads()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    FocalLossClassifier(max_iter=2, random_state=0).fit(X, y)
    torch.testing.assert_close(torch.rand(3), expected)
    assert torch.get_num_threads() == threads


@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_pickle_round_trip(dump, tmp_path):
    X, y = _easy()
    clf = FocalLossClassifier(max_iter=5, n_ensemble=2, random_state=0)
    clf.fit(X, np.array(["a", "b", "c"])[y])
    if dump == "pickle":
        loaded = pickle.loads(pickle.dumps(clf))
    else:
        joblib.dump(clf, tmp_path / "clf.joblib")
        loaded = joblib.load(tmp_path / "clf.joblib")
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)


def test_in_a_pipeline_with_cross_validation():
    X, y = _easy()
    pipeline = make_pipeline(PCA(n_components=5), FocalLossClassifier(n_ensemble=1, random_state=0))
    scores = cross_val_score(pipeline, X, y, cv=3)
    assert scores.min() > 0.9


def test_verbose_shows_progress(capsys):
    X, y = _easy()
    FocalLossClassifier(max_iter=3, verbose=True, random_state=0).fit(X, y)
    assert "epoch" in capsys.readouterr().err


# -- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_nan_or_inf_in_X(value):
    X, y = _easy()
    X[3, 2] = value
    with pytest.raises(ValueError, match="NaN|infinity"):
        FocalLossClassifier().fit(X, y)
    clf = FocalLossClassifier(max_iter=2, random_state=0).fit(*_easy())
    with pytest.raises(ValueError, match="NaN|infinity"):
        clf.predict(X)


def test_wrong_rank_and_width():
    X, y = _easy()
    with pytest.raises(ValueError, match="2D array"):
        FocalLossClassifier().fit(X[:, 0], y)
    with pytest.raises(ValueError, match="dim"):
        FocalLossClassifier().fit(X[:, :, None], y)
    clf = FocalLossClassifier(max_iter=2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :5])


def test_single_class_is_refused():
    X, y = _easy()
    with pytest.raises(ValueError, match="at least two classes"):
        FocalLossClassifier().fit(X, np.zeros(len(X)))


def test_a_missing_label_among_strings_names_y():
    X, y = _easy()
    names = np.array(["ang", "hap", "sad"])[y].astype(object)
    names[7] = np.nan  # an empty cell of a label table
    clf = FocalLossClassifier(max_iter=2)
    with pytest.raises(ValueError, match=r"^y holds a missing label \(NaN\) at index 7"):
        clf.fit(X, names)
    names[7] = "ang"
    y_val = names[:4].copy()
    y_val[2] = None
    with pytest.raises(ValueError, match=r"^y_val holds a missing label \(None\) at index 2"):
        clf.fit(X, names, X_val=X[:4], y_val=y_val)


def test_score_refuses_labels_it_cannot_score():
    # Was a silent 0.25 (unknown or NaN labels counted wrong) or a numpy TypeError (None).
    X, y = _easy()
    names = np.array(["ang", "hap", "sad"])[y].astype(object)
    clf = FocalLossClassifier(max_iter=2, random_state=0).fit(X, names)
    pipe = make_pipeline(PCA(10), FocalLossClassifier(max_iter=2, random_state=0)).fit(X, names)
    unknown = names[:8].copy()
    unknown[[2, 5]] = ["neu", "xyz"]
    for model in (clf, pipe):
        with pytest.raises(ValueError, match=r"^y holds 2 label\(s\) that are not among the "
                           r"classes \['ang', 'hap', 'sad'\]: 'neu' \(first at index 2\), "
                           r"'xyz' \(first at index 5\)"):
            model.score(X[:8], unknown)
        for missing, shown in ((None, "None"), (np.nan, "NaN")):
            bad = names[:8].copy()
            bad[3] = missing
            with pytest.raises(ValueError, match=rf"^y holds a missing label \({shown}\) at "
                               "index 3"):
                model.score(X[:8], bad)
        first = y[0]
        with pytest.raises(ValueError, match=rf"not among the classes.*: {first} \(first at "
                           "index 0"):
            model.score(X[:8], y[:8])  # the integer codes of string classes
        assert model.score(X[:8], names[:8]) == np.mean(model.predict(X[:8]) == names[:8])


def test_bad_validation_set():
    X, y = _easy()
    names = np.array(["ang", "hap", "sad"])[y]
    clf = FocalLossClassifier(max_iter=2)
    with pytest.raises(ValueError, match=r"y_val has labels not seen in y: \['neu', 'xyz'\]"):
        clf.fit(X, names, X_val=X[:4], y_val=["ang", "neu", "xyz", "neu"])
    with pytest.raises(ValueError, match="both X_val and y_val"):
        clf.fit(X, names, X_val=X[:4])
    with pytest.raises(ValueError, match="X_val has 5 features"):
        clf.fit(X, names, X_val=X[:4, :5], y_val=names[:4])
    with pytest.raises(ValueError, match="NaN"):
        clf.fit(X, names, X_val=np.full((4, 20), np.nan), y_val=names[:4])
    with pytest.raises(ValueError, match="one label per row of X_val"):
        clf.fit(X, names, X_val=X[:4], y_val=names[:3])


@pytest.mark.parametrize(
    "param, value",
    [
        ("hidden_layer_sizes", "wide"),
        ("dropout", 1.0),
        ("gamma", -1.0),
        ("class_weight", "uniform"),
        ("label_smoothing", 1.5),
        ("learning_rate_init", 0.0),
        ("weight_decay", -0.1),
        ("warmup_fraction", 2.0),
        ("max_iter", 0),
        ("batch_size", 0),
        ("n_ensemble", 0),
        ("n_ensemble", 2.0),
        ("n_ensemble", "5"),
        ("validation_fraction", 1.0),
        ("n_iter_no_change", 0),
        ("tol", -1.0),
        ("device", 3),
    ],
)
def test_bad_parameter_is_named(param, value):
    X, y = _easy()
    with pytest.raises(InvalidParameterError, match=f"'{param}' parameter"):
        FocalLossClassifier(**{param: value}).fit(X, y)


def test_bad_hidden_layer_size_is_named():
    X, y = _easy()
    with pytest.raises(ValueError, match="hidden_layer_sizes must hold positive integers"):
        FocalLossClassifier(hidden_layer_sizes=(64, 0)).fit(X, y)


def test_bad_device():
    X, y = _easy()
    with pytest.raises(ValueError, match="not a torch device"):
        FocalLossClassifier(device="gpu0").fit(X, y)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            FocalLossClassifier(device="cuda").fit(X, y)


def test_diverging_training_suggests_a_lower_learning_rate():
    X, y = _easy()
    with pytest.raises(ValueError, match="lower learning_rate_init"):
        FocalLossClassifier(learning_rate_init=1e30, warmup_fraction=0.0).fit(X, y)


def test_values_too_large_for_float32():
    X, y = _easy()
    X = X.astype(np.float64)
    X[0, 0] = 1e39
    with pytest.raises(ValueError, match="too large for float32"):
        FocalLossClassifier(max_iter=1).fit(X, y)


# -- real speech -----------------------------------------------------------------------


def _mfcc_stats(path):
    samples = load_audio(path)
    mfcc = librosa.feature.mfcc(y=samples, sr=16000, n_mfcc=20)
    return np.concatenate([mfcc.mean(1), mfcc.std(1)])


@pytest.mark.real_data
def test_recognises_emotions_of_unseen_speakers(ravdess_root):
    data = load_ravdess(ravdess_root)
    keep = np.isin(data.groups, [f"ravdess:{actor:02d}" for actor in range(1, 9)])
    X = np.array([_mfcc_stats(path) for path in data.filenames[keep]])
    y, groups = data.target[keep], data.groups[keep]
    test = np.isin(groups, ["ravdess:07", "ravdess:08"])
    clf = FocalLossClassifier(random_state=0).fit(X[~test], y[~test])
    ua = balanced_accuracy_score(y[test], clf.predict(X[test]))
    # Four classes: chance is 0.25.
    assert ua > 0.5
