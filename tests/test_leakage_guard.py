"""check_leakage never passes having checked too little."""

import numpy as np
import pytest

from skser.model_selection import check_leakage

CLIPS = np.array([[0.1, 0.2], [0.3, 0.1], [0.2, 0.2]], dtype=np.float32)


@pytest.mark.parametrize(("test", "train", "message"), [
    (None, {"train": (CLIPS, None)}, "pair"),
    ((None, None), {"train": (CLIPS, None)}, "no clips to check"),
    ((CLIPS[:1], None), None, "non-empty dict"),
    ((CLIPS[:1], None), {}, "non-empty dict"),
    ((CLIPS[:1], None), {"train": None}, "train must be a pair"),
    ((CLIPS[:1], None), {"train": (None, None)}, "train has no clips"),
    ((CLIPS[:1], ["a", "b"]), {"train": (CLIPS, None)}, "1 clips but 2 speaker ids"),
    ((CLIPS[:1], ["a"]), {"train": (CLIPS, ["b"])}, "train has 3 clips but 1 speaker ids"),
    ((CLIPS[:1], "a"), {"train": (CLIPS, None)}, "one id per clip"),
])
def test_incomplete_input_is_refused_by_name(test, train, message):
    with pytest.raises(ValueError, match=message):
        check_leakage(test, train)


def test_complete_input_still_passes_and_still_catches():
    check_leakage((CLIPS[:1], ["a"]), {"train": (CLIPS[1:], ["b", "c"])})
    with pytest.raises(ValueError, match=r"speakers \['a'\]"):
        check_leakage((CLIPS[:1], ["a"]), {"train": (CLIPS[1:], ["a", "c"])})
    with pytest.raises(ValueError, match="same audio"):
        check_leakage((CLIPS[:1], ["a"]), {"train": (CLIPS, ["b", "c", "d"])})
