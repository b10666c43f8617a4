"""Which engine runs a model: ONNX Runtime on a CPU, from the card and the checked twin alone (no torch);
torch when asked for (or for a checkpoint without a twin), from the weights_only checkpoint."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from backend.app import StartupError, create_app
from backend.predictor import gpu_present
from harness import FASHION_CKPT, MNIST_CKPT, ROOT
from harness.images import SEVEN, stroke_canvas

CPU = {"device": "cpu"}  # engine assertions hold on any machine, a GPU host included


def edit_card(directory, change) -> None:
    """Apply `change` to the model card m.json in `directory`."""
    card = json.loads((directory / "m.json").read_text())
    change(card)
    (directory / "m.json").write_text(json.dumps(card))


def copy_checkpoint(src, dst_dir, suffixes=(".pt", ".json", ".onnx")):
    """The checkpoint's files as m.pt / m.json / m.onnx in dst_dir."""
    for suffix in suffixes:
        shutil.copy(src.with_suffix(suffix), dst_dir / f"m{suffix}")
    edit_card(dst_dir, lambda card: card["onnx"].update(file="m.onnx"))
    return dst_dir / "m.pt"


def engines(app) -> dict:
    return app.test_client().get("/ready").get_json()["engines"]


def test_cpu_default_is_onnxruntime_and_agrees_with_torch():
    onnx_app, torch_app = create_app(CPU), create_app({**CPU, "inference_engine": "torch"})
    assert engines(onnx_app) == {"mnist": "onnxruntime", "fashion-mnist": "onnxruntime"}
    assert engines(torch_app) == {"mnist": "torch", "fashion-mnist": "torch"}
    assert onnx_app.test_client().get("/model").get_json()["engine"] == "onnxruntime"
    canvas = stroke_canvas(SEVEN)
    answers = [
        a.test_client().post("/predict", data=canvas, content_type="image/png").get_json()
        for a in (onnx_app, torch_app)
    ]
    assert answers[0]["digit"] == answers[1]["digit"] == 7
    assert np.abs(np.subtract(answers[0]["probabilities"], answers[1]["probabilities"])).max() < 1e-4


def test_the_card_and_the_twin_are_all_a_cpu_server_needs(tmp_path):
    path = copy_checkpoint(MNIST_CKPT, tmp_path, suffixes=(".json", ".onnx"))  # no .pt at all
    app = create_app({**CPU, "models": {"mnist": path}})
    r = app.test_client().post("/predict", data=stroke_canvas(SEVEN), content_type="image/png")
    assert r.status_code == 200 and r.get_json()["digit"] == 7
    with pytest.raises(StartupError, match="does not exist"):  # torch does need the weights
        create_app({**CPU, "models": {"mnist": path}, "inference_engine": "torch"})


SERVE_AND_LIST_MODULES = (
    "import sys; from backend.app import create_app; app = create_app({}); "
    "app.test_client().post('/predict', data=open(sys.argv[1], 'rb').read(), content_type='image/png'); "
    "print(','.join(sorted({m.split('.')[0] for m in sys.modules})))"
)


@pytest.mark.parametrize("device", ["cpu", "auto"])
def test_serving_on_a_cpu_never_imports_torch(device, tmp_path):
    if device == "auto" and gpu_present():
        pytest.skip("this machine has a GPU, where auto serves in torch (scripts/gpu.sh proves that path)")
    canvas = tmp_path / "seven.png"
    canvas.write_bytes(stroke_canvas(SEVEN))
    serve = SERVE_AND_LIST_MODULES.replace("{}", f"{{'device': '{device}'}}")
    out = subprocess.run(
        [sys.executable, "-c", serve, str(canvas)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = set(out.stdout.strip().split(","))
    assert "onnxruntime" in loaded and "backend" in loaded
    assert not loaded & {"torch", "torchvision", "matplotlib", "onnx", "onnxscript"}, loaded & {"torch"}
    # and nothing of training: the models package serves through its card/twin reader and its recipes alone
    modules = subprocess.run(
        [
            sys.executable,
            "-c",
            serve.replace("m.split('.')[0] for m in sys.modules", "m for m in sys.modules if m.startswith('models')"),
            str(canvas),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert modules == "models,models.dataurl,models.feedback,models.recipe,models.runtime"  # numpy and Pillow only


def test_without_torch_the_torch_path_stops_with_what_to_install():
    code = (
        "import sys; sys.modules['torch'] = None  # as on a host that installed requirements.txt only\n"
        "from backend.app import create_app, StartupError\n"
        "try: create_app({'inference_engine': 'torch'})\n"
        "except StartupError as exc: print(exc)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "needs torch, which is not installed: pip install -r requirements-gpu.txt" in out.stdout
    assert len(out.stdout.strip().splitlines()) == 1


def test_a_checkpoint_without_a_twin_runs_in_torch(tmp_path):
    path = copy_checkpoint(MNIST_CKPT, tmp_path, suffixes=(".pt", ".json"))
    edit_card(tmp_path, lambda card: card.pop("onnx"))
    assert engines(create_app({**CPU, "models": {"mnist": path}})) == {"mnist": "torch"}
    with pytest.raises(StartupError, match="has no ONNX twin: run python -m models.export"):
        create_app({**CPU, "models": {"mnist": path}, "inference_engine": "onnxruntime"})


def _twin_bytes(tmp_path, onnx_bytes: bytes):
    """The MNIST checkpoint with `onnx_bytes` as its twin, the card's sha256 updated to match."""
    import hashlib

    path = copy_checkpoint(MNIST_CKPT, tmp_path)
    (tmp_path / "m.onnx").write_bytes(onnx_bytes)
    edit_card(tmp_path, lambda card: card["onnx"].update(sha256=hashlib.sha256(onnx_bytes).hexdigest()))
    return path


def _tampered_probe(card):
    card["onnx"]["probe"]["probabilities"][4] = card["onnx"]["probe"]["probabilities"][5]


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda d: (d / "m.onnx").unlink(), "missing"),
        (lambda d: (d / "m.onnx").write_bytes((d / "m.onnx").read_bytes()[:-1] + b"\0"), "sha256"),
        (lambda d: _twin_bytes(d, FASHION_CKPT.with_suffix(".onnx").read_bytes()), "disagrees with its checkpoint"),
        (lambda d: _twin_bytes(d, b"not an onnx model"), "cannot be loaded"),
        (lambda d: edit_card(d, _tampered_probe), "disagrees with its checkpoint"),
        (lambda d: edit_card(d, lambda card: card["onnx"].pop("probe")), "records no probe outputs"),
        (lambda d: edit_card(d, lambda card: card.pop("preprocess")), "lacks preprocess"),
    ],
    ids=["missing", "altered", "another network", "unreadable", "card probe altered", "no probe", "card incomplete"],
)
def test_a_damaged_twin_or_card_stops_startup(tmp_path, damage, message):
    path = copy_checkpoint(MNIST_CKPT, tmp_path)
    damage(tmp_path)
    with pytest.raises(StartupError, match=message):
        create_app({**CPU, "models": {"mnist": path}})
