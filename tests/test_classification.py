import numpy as np
import pytest
import torch
import torch.nn.functional as F

from skser.classification import focal_loss
from skser.classification._schedule import warmup_cosine

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
