"""The ONNX twins: the same probabilities as their checkpoints on real test images, reproducible exports,
and probe outputs in the card that a server checks without torch."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

from harness import FASHION_CKPT, MNIST_CKPT
from models import checkpoint, export, runtime


@pytest.mark.parametrize("path", [MNIST_CKPT, FASHION_CKPT], ids=["mnist", "fashion-mnist"])
def test_shipped_twin_matches_its_card(path):
    entry = checkpoint.read_card(path)["onnx"]
    twin = runtime.read_twin(path)
    assert twin == runtime.onnx_path(path).read_bytes()
    assert entry["sha256"] == runtime.sha256_file(runtime.onnx_path(path)) and entry["bytes"] < 5 * 1024 * 1024
    assert b"nets.py" not in twin  # no stack traces: nothing of the machine that exported it


@pytest.mark.parametrize("path", [MNIST_CKPT, FASHION_CKPT], ids=["mnist", "fashion-mnist"])
def test_recorded_probe_outputs_are_the_checkpoints_own(path):
    model, meta = checkpoint.load(path)
    recorded = np.array(checkpoint.read_card(path)["onnx"]["probe"]["probabilities"])
    ours = export.probabilities(model, runtime.probe_inputs(meta["input_shape"]))
    assert recorded.shape == (runtime.PROBES, 10) and np.abs(ours - recorded).max() < runtime.TOLERANCE
    assert len({row.argmax() for row in recorded}) > 1  # the probes tell classes apart: not all one answer


def test_probe_inputs_are_fixed_numbers():
    x = runtime.probe_inputs([1, 28, 28])
    assert x.shape == (8, 1, 28, 28) and x.dtype == np.float32 and not x[0].any()
    noise, blocks = x[1:4], x[4:]
    assert -3 <= noise.min() < -2.99 and 2.99 < noise.max() < 3 and abs(float(noise.mean())) < 0.1
    assert set(np.unique(blocks).tolist()) == {np.float32(-0.4), np.float32(2.8)}
    # splitmix64 of 1, 2, 3: these exact values on every machine and numpy version
    assert x[1, 0, 0, :3].tolist() == pytest.approx([2.29986, -0.41083, -2.84140], abs=1e-5)


def test_twin_gives_the_checkpoints_probabilities_on_real_mnist(mnist_test):
    images, labels = mnist_test
    model, meta = checkpoint.load(MNIST_CKPT)
    x = runtime.normalise(images[:2000].numpy(), meta["mean"], meta["std"])
    theirs = runtime.run(runtime.session(runtime.read_twin(MNIST_CKPT)), x)
    ours = export.probabilities(model, x)
    assert np.abs(ours - theirs).max() < runtime.TOLERANCE
    assert np.array_equal(ours.argmax(1), theirs.argmax(1))
    assert (theirs.argmax(1) == labels[:2000].numpy()).mean() > 0.99


def test_export_reproduces_the_shipped_twin(tmp_path):
    for suffix in (".pt", ".json"):
        shutil.copy(MNIST_CKPT.with_suffix(suffix), tmp_path / f"m{suffix}")
    card = export.export(tmp_path / "m.pt")
    shipped = checkpoint.read_card(MNIST_CKPT)["onnx"]
    assert card["onnx"]["file"] == "m.onnx"
    assert card["onnx"]["sha256"] == shipped["sha256"]  # byte for byte
    ours, theirs = (np.array(c["probe"]["probabilities"]) for c in (card["onnx"], shipped))
    assert np.abs(ours - theirs).max() < 1e-6  # torch's own float noise (thread count) only


def test_normalise_is_the_same_for_numpy_and_torch(mnist_test):
    images, _ = mnist_test
    batch = images[:16]
    as_numpy = runtime.normalise(batch.numpy(), [0.1307], [0.3081])
    as_torch = runtime.normalise(batch, [0.1307], [0.3081])
    as_float = runtime.normalise(batch.float() / 255, [0.1307], [0.3081])
    assert as_numpy.dtype == np.float32 and as_torch.dtype == torch.float32
    assert np.allclose(as_numpy, as_torch.numpy(), atol=1e-6) and torch.allclose(as_torch, as_float, atol=1e-6)
    assert as_numpy[0].min() == pytest.approx(-0.1307 / 0.3081, abs=1e-6)
