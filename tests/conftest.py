"""Fixtures shared across the suite: real data sets, the app and its client, and one real server."""

from __future__ import annotations

import os
import tempfile

import pytest

# Every app and server of the run keeps its corrections in a throwaway SQLite file, never in instance/.
os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp(prefix='feedback-')}/feedback.db")

from models import data


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


@pytest.fixture(scope="session")
def server():
    """The Procfile's gunicorn with 2 workers on 127.0.0.1, on the CPU, for every test that needs a live one."""
    from harness.server import Server

    with Server(env={"DEVICE": "cpu"}) as s:
        yield s
