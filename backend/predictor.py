"""A served model: its card, the engine that runs it, and the preparation of its input.

On a CPU the network runs in ONNX Runtime from the checkpoint's ONNX twin, and nothing here imports
torch: the card says everything the server needs (classes, input shape, mean/std, recipe), the twin
must match the card's sha256 and reproduce the probe outputs the card recorded at export. torch is
the GPU path (DEVICE=cuda, or auto with a GPU present) or asked for by INFERENCE_ENGINE=torch; it
is imported only then (`backend.torch_engine`).
"""

from __future__ import annotations

import ctypes
import importlib.util
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from backend import preprocess
from backend.config import Settings
from models import runtime

log = logging.getLogger(__name__)

INSTALL_TORCH = "pip install -r requirements-gpu.txt"


class EngineUnavailable(RuntimeError):
    """The engine or device asked for cannot run here; the message says what to install or change."""


class Engine(Protocol):
    name: str
    device: str

    def logits(self, inputs: np.ndarray) -> np.ndarray: ...

    def after_fork(self) -> None: ...


class OnnxEngine:
    """The twin in ONNX Runtime on the CPU. Its session, made before gunicorn forks, serves every worker
    (with one intra-op thread; a worker given more makes its own, `runtime.Twin`)."""

    name, device = "onnxruntime", "cpu"

    def __init__(self, twin: runtime.Twin):
        self.twin = twin

    def logits(self, inputs: np.ndarray) -> np.ndarray:
        return self.twin.logits(inputs)

    def after_fork(self) -> None:
        self.twin.after_fork()


@dataclass
class Predictor:
    """One served model: its name, model card and engine."""

    name: str
    card: dict[str, Any]
    engine: Engine
    uncertain_below: float  # confidence under which an answer is marked uncertain
    temperature: float = 1.0  # models.calibrate's, fitted on the validation split
    report: dict[str, Any] | None = None  # the model page's data (models.webreport), when it ships

    @property
    def classes(self) -> list[str]:
        return self.card["classes"]

    @property
    def reads_numbers(self) -> bool:
        """Whether /predict/number can use it: it reads MNIST-style digits."""
        return self.card["preprocess"] == "mnist-digit"

    @property
    def background(self) -> float:
        """The normalised value of a pixel without ink (what occlusion hides a patch with)."""
        return float(runtime.normalise(np.zeros((1, 1, 1), np.float32), self.card["mean"], self.card["std"])[0, 0, 0])

    def prepare(self, data: bytes, max_pixels: int) -> preprocess.Prepared:
        """Image bytes -> this model's input, by its own recipe and normalisation (PreprocessError if unreadable)."""
        return preprocess.prepare(data, self.card["preprocess"], self.card["mean"], self.card["std"], max_pixels)

    def prepare_ink(self, ink: np.ndarray) -> preprocess.Prepared:
        """An ink map (a digit of a number) -> this model's input."""
        return preprocess.field_of(ink, self.card["preprocess"], self.card["mean"], self.card["std"])

    def predict(self, inputs: np.ndarray) -> np.ndarray:
        """(B, C, H, W) normalised float32 -> (B, classes) probabilities as float64, calibrated (the card's
        temperature divides the logits)."""
        return runtime.softmax(self.engine.logits(inputs) / self.temperature)

    def after_fork(self) -> None:
        """In each gunicorn worker, before its first request (torch: threads, and the model onto the GPU)."""
        self.engine.after_fork()

    def summary(self) -> dict[str, Any]:
        """What an answer says about the model that gave it."""
        return {
            "name": self.name,
            "arch": self.card["arch"],
            "dataset": self.card["dataset"],
            "sha256": self.card["sha256"],
        }

    def describe(self) -> dict[str, Any]:
        """The model card plus where and how it runs."""
        return {
            **self.card,
            "name": self.name,
            "device": self.engine.device,
            "engine": self.engine.name,
            "uncertain_below": self.uncertain_below,
        }


def gpu_present() -> bool:
    """Whether the NVIDIA driver sees a GPU, asked through NVML without importing torch or starting CUDA
    (a CUDA context made before gunicorn forks would be unusable in the workers)."""
    try:
        nvml = ctypes.CDLL("libnvidia-ml.so.1")
    except OSError:
        return False
    if nvml.nvmlInit_v2() != 0:
        return False
    try:
        count = ctypes.c_uint(0)
        return nvml.nvmlDeviceGetCount_v2(ctypes.byref(count)) == 0 and count.value > 0
    finally:
        nvml.nvmlShutdown()


def torch_installed() -> bool:
    return importlib.util.find_spec("torch") is not None


def engine_name(settings: Settings, card: dict[str, Any]) -> str:
    """Which engine runs a model: what INFERENCE_ENGINE says, else torch on a GPU (DEVICE=cuda, or auto with
    a GPU present and torch installed) or for a checkpoint without an ONNX twin, else ONNX Runtime."""
    if settings.inference_engine != "auto":
        return settings.inference_engine
    if settings.device == "cuda":
        return "torch"
    if settings.device == "auto" and torch_installed() and gpu_present():
        return "torch"
    return "onnxruntime" if card.get("onnx") else "torch"


def load(name: str, path: Path, settings: Settings) -> Predictor:
    """Load and verify one served model on its engine. Raises CheckpointError or EngineUnavailable."""
    card = runtime.read_card(path)
    missing = [
        key for key in ("arch", "classes", "input_shape", "mean", "std", "preprocess", "sha256") if key not in card
    ]
    if missing:
        raise runtime.CheckpointError(f"model card {runtime.card_path(path)} lacks {', '.join(missing)}")
    if card["preprocess"] not in preprocess.RECIPES:
        raise runtime.CheckpointError(f"{path} needs preprocessing {card['preprocess']!r}, which this server lacks")
    chosen = engine_name(settings, card)
    if chosen == "onnxruntime":
        twin, _ = runtime.load_twin(path, settings.torch_threads)
        engine: Engine = OnnxEngine(twin)
    else:
        if not torch_installed():
            why = "DEVICE=cuda" if settings.device == "cuda" else f"{path} (no ONNX twin or INFERENCE_ENGINE=torch)"
            raise EngineUnavailable(f"{why} needs torch, which is not installed: {INSTALL_TORCH}")
        os.environ.setdefault("PYTORCH_NVML_BASED_CUDA_CHECK", "1")  # is_available() must not start CUDA pre-fork
        from backend.torch_engine import TorchEngine  # the GPU path: torch only here

        engine = TorchEngine(path, settings.device, settings.torch_threads, card["input_shape"])
    threshold = settings.uncertain_below if settings.uncertain_below is not None else card.get("uncertain_below", 0.6)
    predictor = Predictor(name, card, engine, threshold, float(card.get("temperature", 1.0)), _report(path, card))
    if engine.device == "cpu":  # warm-up: allocate once (a GPU engine warms up in each worker, after the fork)
        predictor.predict(np.zeros((1, *card["input_shape"]), dtype=np.float32))
    log.info("model %s: %s on %s (%s) from %s", name, card["arch"], engine.device, engine.name, path)
    return predictor


def _report(path: Path, card: dict[str, Any]) -> dict[str, Any] | None:
    """NAME.report.json beside the checkpoint, if it is there and describes this very checkpoint."""
    report_file = Path(path).with_suffix(".report.json")
    try:
        report = json.loads(report_file.read_text())
    except FileNotFoundError:
        return None
    except (ValueError, UnicodeDecodeError) as exc:
        raise runtime.CheckpointError(f"{report_file} is not valid JSON: {exc}") from None
    if report.get("model", {}).get("sha256") != card["sha256"]:
        log.warning("%s describes another checkpoint: no model page for %s", report_file, path)
        return None
    return report


def load_all(settings: Settings) -> dict[str, Predictor]:
    """Every configured checkpoint, loaded and verified once."""
    return {name: load(name, path, settings) for name, path in settings.models.items()}
