"""Which engine runs the network: ONNX Runtime on CPUs when the checkpoint has a checked twin, else torch."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from backend.app import StartupError, create_app
from support import FASHION_CKPT, MNIST_CKPT, SEVEN, stroke_canvas


def edit_card(directory, change) -> None:
    """Apply `change` to the model card m.json in `directory`."""
    card = json.loads((directory / "m.json").read_text())
    change(card)
    (directory / "m.json").write_text(json.dumps(card))


def copy_checkpoint(src, dst_dir, twin: bool = True):
    """The checkpoint, its card and (optionally) its ONNX twin, as m.pt / m.json / m.onnx in dst_dir."""
    for suffix in (".pt", ".json") + ((".onnx",) if twin else ()):
        shutil.copy(src.with_suffix(suffix), dst_dir / f"m{suffix}")
    edit_card(dst_dir, lambda card: card["onnx"].update(file="m.onnx"))
    return dst_dir / "m.pt"


def test_cpu_default_is_onnxruntime_and_agrees_with_torch(app):
    torch_app = create_app({"inference_engine": "torch"})
    ready = app.test_client().get("/ready").get_json()
    assert ready["engines"] == {"mnist": "onnxruntime", "fashion-mnist": "onnxruntime"}
    assert torch_app.test_client().get("/ready").get_json()["engines"]["mnist"] == "torch"
    assert app.test_client().get("/model").get_json()["engine"] == "onnxruntime"
    canvas = stroke_canvas(SEVEN)
    answers = [
        a.test_client().post("/predict", data=canvas, content_type="image/png").get_json() for a in (app, torch_app)
    ]
    assert answers[0]["digit"] == answers[1]["digit"] == 7
    assert np.abs(np.subtract(answers[0]["probabilities"], answers[1]["probabilities"])).max() < 1e-4


def test_a_checkpoint_without_a_twin_runs_in_torch(tmp_path):
    path = copy_checkpoint(MNIST_CKPT, tmp_path, twin=False)
    edit_card(tmp_path, lambda card: card.pop("onnx"))
    assert create_app({"models": {"mnist": path}}).test_client().get("/ready").get_json()["engines"]["mnist"] == "torch"
    with pytest.raises(StartupError, match="has no ONNX twin: run python -m models.export"):
        create_app({"models": {"mnist": path}, "inference_engine": "onnxruntime"})


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda d: (d / "m.onnx").unlink(), "missing"),
        (lambda d: (d / "m.onnx").write_bytes((d / "m.onnx").read_bytes()[:-1] + b"\0"), "sha256"),
    ],
    ids=["missing", "altered"],
)
def test_a_damaged_twin_stops_startup(tmp_path, damage, message):
    path = copy_checkpoint(MNIST_CKPT, tmp_path)
    damage(tmp_path)
    with pytest.raises(StartupError, match=message):
        create_app({"models": {"mnist": path}})


def _recorded(tmp_path, onnx_bytes: bytes):
    """The MNIST checkpoint with `onnx_bytes` as its twin, the card's sha256 updated to match."""
    import hashlib

    path = copy_checkpoint(MNIST_CKPT, tmp_path)
    (tmp_path / "m.onnx").write_bytes(onnx_bytes)
    edit_card(tmp_path, lambda card: card["onnx"].update(sha256=hashlib.sha256(onnx_bytes).hexdigest()))
    return path


def test_a_twin_of_another_network_stops_startup(tmp_path):
    path = _recorded(tmp_path, FASHION_CKPT.with_suffix(".onnx").read_bytes())  # a valid file, the wrong weights
    with pytest.raises(StartupError, match="disagrees with it"):
        create_app({"models": {"mnist": path}})


def test_a_twin_onnxruntime_cannot_read_stops_startup(tmp_path):
    path = _recorded(tmp_path, b"not an onnx model")
    with pytest.raises(StartupError, match="cannot be loaded"):
        create_app({"models": {"mnist": path}})
