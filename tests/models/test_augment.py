"""Training augmentation (models/augment.py): batched transforms that keep what they must."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from models import augment


@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (3, 1, 28, 28), (2, 3, 5, 9)])
def test_the_3x3_maximum_is_exactly_max_pool2d(shape):
    x = torch.randn(shape, generator=torch.Generator().manual_seed(sum(shape)))
    assert torch.equal(augment._max3x3(x), F.max_pool2d(x, 3, stride=1, padding=1))
    assert torch.equal(-augment._max3x3(-x), -F.max_pool2d(-x, 3, stride=1, padding=1))  # erosion


def stroke() -> torch.Tensor:
    x = torch.zeros(8, 1, 28, 28)
    x[:, :, 4:24, 12:15] = 1.0  # a vertical bar, 3 px wide
    return x


def test_thickening_and_thinning_move_ink_the_way_they_say():
    gen = torch.Generator().manual_seed(0)
    thicker = augment.augment(stroke(), augment.AugmentConfig(thicken=1.0), gen)
    thinner = augment.augment(stroke(), augment.AugmentConfig(thin=1.0), gen)
    assert (thicker >= stroke()).all() and (thicker.sum((1, 2, 3)) > stroke().sum((1, 2, 3))).all()
    assert (thinner <= stroke()).all() and (thinner.sum((1, 2, 3)) < stroke().sum((1, 2, 3))).all()
    assert thicker.min() >= 0 and thicker.max() <= 1


def test_no_augmentation_leaves_the_batch_as_it_was():
    assert torch.equal(augment.augment(stroke(), augment.PRESETS["none"]), stroke())
