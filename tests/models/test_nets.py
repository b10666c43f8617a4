"""Every architecture: output shape, a few real training steps lower the loss, the registry."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from models import nets
from models.runtime import normalise

SHAPES = {"cifar-cnn": (3, 32), "lenet5": (1, 28)}


@pytest.mark.parametrize("arch", [a for a in nets.ARCHITECTURES if a != "pairnet"])
def test_output_shape(arch):
    channels, size = SHAPES.get(arch, (1, 28))
    model = nets.build(arch, in_channels=channels, image_size=size, num_classes=10).eval()
    assert model(torch.zeros(3, channels, size, size)).shape == (3, 10)


def test_the_pair_reader_takes_a_28x56_group_and_gives_its_three_heads():
    model = nets.build("pairnet", width=8).eval()
    assert model(torch.zeros(3, 1, 28, 56)).shape == (3, sum(nets.PairNet.HEADS)) == (3, 22)


@pytest.mark.parametrize("arch", ["mlp", "s0-cnn", "lenet5", "fashion-cnn", "digitnet"])
def test_real_training_steps_lower_the_loss(arch, mnist_train):
    torch.manual_seed(0)
    images, labels = mnist_train
    x = normalise(images[:256], [0.1307], [0.3081])
    y = labels[:256]
    model = nets.build(arch).train()  # train mode throughout: BatchNorm's running stats lag behind 15 steps
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def measured() -> float:
        torch.manual_seed(1)  # the same dropout masks before and after
        with torch.no_grad():
            return F.cross_entropy(model(x), y).item()

    before = measured()
    for _ in range(15):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert measured() < 0.8 * before


def test_lenet5_on_32x32_flattens_400_features():
    model = nets.build("lenet5", image_size=32)
    assert model.classifier[0].in_features == 16 * 5 * 5
    assert nets.build("lenet5").classifier[0].in_features == 16 * 4 * 4


def test_lenet5_sequential_form_is_the_same_network():
    model = nets.build("lenet5").eval()
    x = torch.randn(4, 1, 28, 28)
    assert torch.equal(model(x), model.as_sequential()(x))


def test_unknown_architecture_names_the_known_ones():
    with pytest.raises(ValueError, match="digitnet"):
        nets.build("resnet9000")
