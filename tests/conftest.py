"""Fixtures shared across the suite: real data sets, the shipped checkpoints, the app and its client."""

from __future__ import annotations

from pathlib import Path

import pytest

from models import data

ROOT = Path(__file__).resolve().parent.parent
MNIST_CKPT = ROOT / "models" / "checkpoints" / "mnist-digitnet.pt"
FASHION_CKPT = ROOT / "models" / "checkpoints" / "fashion-mnist.pt"


@pytest.fixture(scope="session")
def mnist_test():
    """The real MNIST test split: (images (N, 1, 28, 28) uint8, labels (N,))."""
    return data.load("mnist", train=False)


@pytest.fixture(scope="session")
def mnist_train():
    """The real MNIST training split."""
    return data.load("mnist", train=True)


@pytest.fixture(scope="session")
def app():
    """The app with its default settings: the shipped checkpoints."""
    from backend.app import create_app

    return create_app()


@pytest.fixture()
def client(app):
    return app.test_client()
