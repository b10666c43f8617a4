"""Every network of the project, and a registry that builds one from its name.

Training and serving both call `build(arch, **args)`, and a checkpoint stores exactly
that name and those arguments, so the two can never disagree about a model.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

import torch
from torch import nn


def _pooled(size: int, steps: list[tuple[int, int]]) -> int:
    """Side length after a chain of (conv kernel without padding, pool) steps."""
    for kernel, pool in steps:
        size = (size - kernel + 1) // pool
    return size


class MLP(nn.Module):
    """S1: Flatten -> 86 -> 86 -> classes, ReLU between."""

    def __init__(self, in_channels: int = 1, image_size: int = 28, num_classes: int = 10, hidden: int = 86):
        super().__init__()
        self.net = nn.Sequential(
            nn.Flatten(),
            nn.Linear(in_channels * image_size * image_size, hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)  # (B, classes) logits


class S0CNN(nn.Module):
    """S0: the web app's Conv -> ReLU -> MaxPool -> Dropout blocks, then Linear layers."""

    def __init__(self, in_channels: int = 1, image_size: int = 28, num_classes: int = 10):
        super().__init__()
        side = _pooled(image_size, [(3, 2), (3, 2)])
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
            nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
        )  # fmt: skip
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(64 * side * side, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, num_classes)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))  # (B, 1, 28, 28) -> (B, classes)


class CifarCNN(nn.Module):
    """S2: the CIFAR-10 tutorial net: two 5x5 conv + pool layers, then 120 -> 84 -> classes."""

    def __init__(self, in_channels: int = 3, image_size: int = 32, num_classes: int = 10):
        super().__init__()
        side = _pooled(image_size, [(5, 2), (5, 2)])
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        )  # fmt: skip
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * side * side, 120), nn.ReLU(),
            nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, num_classes),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))  # (B, 3, 32, 32) -> (B, classes)


class LeNet5(nn.Module):
    """S3: C1 6@5x5 -> S2 -> C3 16@5x5 -> S4 -> 120 -> 84 -> classes (flattening the pooled features)."""

    def __init__(self, in_channels: int = 1, image_size: int = 28, num_classes: int = 10):
        super().__init__()
        side = _pooled(image_size, [(5, 2), (5, 2)])  # 4 on 28x28, 5 on 32x32
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        )  # fmt: skip
        self.classifier = nn.Sequential(
            nn.Linear(16 * side * side, 120), nn.ReLU(),
            nn.Linear(120, 84), nn.ReLU(),
            nn.Linear(84, num_classes),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = self.features(x)  # (B, 16, 4, 4)
        return self.classifier(features.flatten(1))  # flatten the features, not the input

    def as_sequential(self) -> nn.Sequential:
        """The same network written as one nn.Sequential, sharing these very layers."""
        return nn.Sequential(*self.features, nn.Flatten(), *self.classifier)


class FashionCNN(nn.Module):
    """S4: Conv(16, k5, pad 2) -> pool -> Conv(32, k5, pad 2) -> pool -> Linear."""

    def __init__(self, in_channels: int = 1, image_size: int = 28, num_classes: int = 10):
        super().__init__()
        side = image_size // 4
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        )  # fmt: skip
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(32 * side * side, num_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))  # (B, 1, 28, 28) -> (B, classes)


def _conv_bn(c_in: int, c_out: int) -> list[nn.Module]:
    return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]


class DigitNet(nn.Module):
    """Our default: two stages of two 3x3 conv + BatchNorm blocks, then a small dropout MLP head."""

    def __init__(
        self,
        in_channels: int = 1,
        image_size: int = 28,
        num_classes: int = 10,
        width: int = 32,
        hidden: int = 128,
        dropout: float = 0.3,
    ):
        super().__init__()
        side = image_size // 4
        self.features = nn.Sequential(
            *_conv_bn(in_channels, width), *_conv_bn(width, width), nn.MaxPool2d(2),
            *_conv_bn(width, 2 * width), *_conv_bn(2 * width, 2 * width), nn.MaxPool2d(2),
        )  # fmt: skip
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(dropout),
            nn.Linear(2 * width * side * side, hidden, bias=False),
            nn.BatchNorm1d(hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.Linear(hidden, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))  # (B, 1, 28, 28) -> (B, 64, 7, 7) -> (B, classes)


class PairNet(nn.Module):
    """The pair reader (`models.pairs`): a group of ink in a 28x56 field -> 22 logits in three heads: [one digit,
    two digits], the first digit, the second digit (read only when there are two)."""

    HEADS = (2, 10, 10)

    def __init__(self, width: int = 32, dropout: float = 0.3):
        super().__init__()
        self.features = nn.Sequential(
            *_conv_bn(1, width), *_conv_bn(width, width), nn.MaxPool2d(2),
            *_conv_bn(width, 2 * width), *_conv_bn(2 * width, 2 * width), nn.MaxPool2d(2),
            *_conv_bn(2 * width, 4 * width), nn.MaxPool2d(2),
        )  # fmt: skip
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Dropout(dropout), nn.Linear(4 * width * 3 * 7, sum(self.HEADS))
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))  # (B, 1, 28, 56) -> (B, 128, 3, 7) -> (B, 22)


ARCHITECTURES: dict[str, Callable[..., nn.Module]] = {
    "mlp": MLP,
    "s0-cnn": S0CNN,
    "cifar-cnn": CifarCNN,
    "lenet5": LeNet5,
    "fashion-cnn": FashionCNN,
    "digitnet": DigitNet,
    "pairnet": PairNet,
}


def check_args(arch: str, args: dict) -> None:
    """Raise ValueError unless `arch` is a known network and takes every one of the constructor arguments `args`."""
    if arch not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {arch!r}; known: {', '.join(ARCHITECTURES)}")
    takes = inspect.signature(ARCHITECTURES[arch]).parameters
    unknown = sorted(set(args) - set(takes))
    if unknown:
        raise ValueError(f"{arch} takes no argument {', '.join(unknown)}; it takes {', '.join(takes)}")


def build(arch: str, **args: object) -> nn.Module:
    """Build the network registered under `arch` with constructor arguments `args`."""
    check_args(arch, args)
    return ARCHITECTURES[arch](**args)
