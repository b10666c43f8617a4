"""The ONNX twins: the same probabilities as their checkpoints on real test images, reproducible exports."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

from models import checkpoint, export
from support import FASHION_CKPT, MNIST_CKPT


@pytest.mark.parametrize("path", [MNIST_CKPT, FASHION_CKPT], ids=["mnist", "fashion-mnist"])
def test_shipped_twin_matches_its_card(path):
    entry = checkpoint.read_card(path)["onnx"]
    assert checkpoint.read_onnx(path) == checkpoint.onnx_path(path).read_bytes()
    assert entry["sha256"] == checkpoint.sha256_file(checkpoint.onnx_path(path)) and entry["bytes"] < 5 * 1024 * 1024
    assert b"nets.py" not in checkpoint.read_onnx(path)  # no stack traces: nothing of the machine that exported it


def test_twin_gives_the_checkpoints_probabilities_on_real_mnist(mnist_test):
    images, labels = mnist_test
    model, meta = checkpoint.load(MNIST_CKPT)
    x = ((images[:2000].float() / 255 - meta["mean"][0]) / meta["std"][0]).numpy()
    session = export.session(checkpoint.read_onnx(MNIST_CKPT))
    theirs = export.softmax(session.run(None, {"input": x})[0])
    with torch.inference_mode():
        ours = torch.softmax(model(torch.from_numpy(x)).double(), 1).numpy()
    assert np.abs(ours - theirs).max() < export.TOLERANCE
    assert np.array_equal(ours.argmax(1), theirs.argmax(1))
    assert (theirs.argmax(1) == labels[:2000].numpy()).mean() > 0.99


def test_export_reproduces_the_shipped_twin(tmp_path):
    for suffix in (".pt", ".json"):
        shutil.copy(MNIST_CKPT.with_suffix(suffix), tmp_path / f"m{suffix}")
    card = export.export(tmp_path / "m.pt")
    assert card["onnx"]["file"] == "m.onnx"
    assert card["onnx"]["sha256"] == checkpoint.read_card(MNIST_CKPT)["onnx"]["sha256"]  # byte for byte


def test_a_twin_that_computes_something_else_is_caught():
    fashion = export.session(checkpoint.read_onnx(FASHION_CKPT))
    model, meta = checkpoint.load(MNIST_CKPT)
    assert export.disagreement(model, fashion, meta["input_shape"]) > 100 * export.TOLERANCE
