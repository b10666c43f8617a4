"""Settings: defaults, environment, overrides, and one clear message for each bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.app import StartupError, create_app
from backend.config import ConfigError, load_settings


def test_defaults_serve_the_shipped_models():
    s = load_settings(environ={})
    assert list(s.models) == ["mnist", "fashion-mnist"] and s.default_model == "mnist"
    assert s.models["mnist"].name == "mnist-digitnet.pt" and s.device == "auto" and s.inference_engine == "auto"


def test_environment_is_read():
    s = load_settings(
        environ={
            "MODEL_PATH": "/x/m.pt",
            "DEVICE": "CPU",
            "CORS_ORIGINS": "https://a, https://b",
            "MAX_UPLOAD_BYTES": "5000",
            "MAX_BATCH": "3",
            "UNCERTAIN_BELOW": "0.4",
        }
    )
    assert s.models["mnist"] == Path("/x/m.pt") and s.device == "cpu"
    assert s.cors_origins == ("https://a", "https://b") and s.max_upload_bytes == 5000 and s.max_batch == 3
    assert s.uncertain_below == 0.4


def test_models_list():
    s = load_settings(environ={"MODELS": "digits=a.pt, clothes=b.pt"})
    assert s.models == {"digits": Path("a.pt"), "clothes": Path("b.pt")} and s.default_model == "digits"


@pytest.mark.parametrize(
    "environ, message",
    [
        ({"DEVICE": "tpu"}, "DEVICE must be auto, cpu or cuda"),
        ({"MAX_UPLOAD_BYTES": "big"}, "MAX_UPLOAD_BYTES must be a whole number"),
        ({"MAX_UPLOAD_BYTES": "10"}, "MAX_UPLOAD_BYTES must be between"),
        ({"MAX_BATCH": "0"}, "MAX_BATCH must be between"),
        ({"UNCERTAIN_BELOW": "2"}, "UNCERTAIN_BELOW must be between 0 and 1"),
        ({"UNCERTAIN_BELOW": "x"}, "UNCERTAIN_BELOW must be a number"),
        ({"MODELS": "justapath.pt"}, "must look like name=path"),
        ({"MODELS": " , "}, "MODELS names no checkpoint"),
        ({"TORCH_THREADS": "-1"}, "TORCH_THREADS must be between"),
        ({"INFERENCE_ENGINE": "tensorrt"}, "INFERENCE_ENGINE must be auto, torch or onnxruntime"),
        ({"INFERENCE_ENGINE": "onnxruntime", "DEVICE": "cuda"}, "cannot be combined with DEVICE=cuda"),
    ],
)
def test_bad_values_are_refused_with_a_clear_message(environ, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(environ=environ)


def test_startup_refuses_a_checkpoint_whose_card_does_not_match(tmp_path):
    from harness import MNIST_CKPT

    bad = tmp_path / "m.pt"
    bad.write_bytes(MNIST_CKPT.read_bytes()[:-10] + b"0123456789")
    (tmp_path / "m.json").write_text(MNIST_CKPT.with_suffix(".json").read_text())
    with pytest.raises(StartupError, match="sha256"):  # torch reads the weights (a CPU server reads the twin)
        create_app({"models": {"mnist": bad}, "inference_engine": "torch", "device": "cpu"})


def test_cuda_requested_without_a_gpu_is_a_startup_error():
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: covered by the CUDA run in the README")
    with pytest.raises(StartupError, match="no CUDA device"):
        create_app({"device": "cuda"})


def test_a_rate_limit_store_that_cannot_be_used_stops_startup_with_one_line():
    with pytest.raises(StartupError, match="RATELIMIT_STORAGE_URI cannot be used"):
        create_app({"device": "cpu", "ratelimit_storage_uri": "nosuchstore://localhost"})


def test_the_pair_reader_is_the_shipped_one_or_none_and_a_missing_one_stops_startup(tmp_path):
    assert load_settings(environ={}).pair_model.name == "mnist-pairs.pt"
    assert load_settings(environ={"PAIR_MODEL": ""}).pair_model is None
    with pytest.raises(StartupError, match="nope.json is missing"):
        create_app({"device": "cpu", "pair_model": str(tmp_path / "nope.pt")})
    with pytest.raises(StartupError, match="is not a pair reader"):  # a digit classifier in its place
        create_app({"device": "cpu", "pair_model": str(load_settings(environ={}).models["mnist"])})
