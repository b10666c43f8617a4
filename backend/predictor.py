"""A checkpoint loaded once onto its device, answering batches of prepared inputs with probabilities.

On a CPU the network runs in ONNX Runtime when the checkpoint has an ONNX twin (`models.export`):
~2x faster than torch for one image. The twin must match its card's sha256 and give the same
probabilities as the checkpoint on fixed probe inputs, or the server does not start. On CUDA,
or with INFERENCE_ENGINE=torch, torch runs it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from backend.preprocess import RECIPES
from models import checkpoint, export

log = logging.getLogger(__name__)


def for_inference(model: nn.Module) -> nn.Module:
    """BatchNorm folded into the convolutions before it, weights in channels_last: ~1.5x faster on CPU."""
    from torch.fx.experimental.optimization import fuse

    try:
        model = fuse(model)
    except Exception as exc:  # noqa: BLE001 - an untraceable network still serves, only unfused
        log.warning("serving %s unfused: %s", type(model).__name__, exc)
    return model.to(memory_format=torch.channels_last).eval()


@dataclass
class Predictor:
    """One served model: network, metadata, model card, device, and the ONNX Runtime session if it runs there."""

    name: str
    model: nn.Module
    meta: dict[str, Any]
    card: dict[str, Any]
    device: torch.device
    session: Any = None

    @property
    def engine(self) -> str:
        return "onnxruntime" if self.session is not None else "torch"

    @classmethod
    def load(cls, name: str, path: Path, device: torch.device, engine: str = "auto", threads: int = 1) -> Predictor:
        """Load and verify checkpoint `path` (sha256 against its card, weights_only) and, on a CPU unless
        `engine` is "torch", its ONNX twin (sha256, same probabilities). Raises CheckpointError."""
        model, meta = checkpoint.load(path, map_location=device)
        recipe = meta.get("preprocess")
        if recipe not in RECIPES:
            raise checkpoint.CheckpointError(
                f"checkpoint {path} needs preprocessing {recipe!r}, which this server lacks"
            )
        session = _onnx_session(path, model, meta, engine, threads) if device.type == "cpu" else None
        predictor = cls(name, for_inference(model), meta, checkpoint.read_card(path), device, session)
        predictor.predict(np.zeros((1, *meta["input_shape"]), dtype=np.float32))  # warm-up: allocate once
        log.info("model %s: %s on %s (%s) from %s", name, meta["arch"], device, predictor.engine, path)
        return predictor

    def predict(self, inputs: np.ndarray) -> np.ndarray:
        """(B, C, H, W) normalised float32 -> (B, classes) probabilities as float64."""
        if self.session is not None:
            return export.softmax(self.session.run(None, {"input": inputs})[0])
        return self._predict_torch(inputs)

    @torch.inference_mode()
    def _predict_torch(self, inputs: np.ndarray) -> np.ndarray:
        x = torch.from_numpy(inputs).to(self.device).contiguous(memory_format=torch.channels_last)
        return self.model(x).softmax(1).double().cpu().numpy()

    def summary(self) -> dict[str, Any]:
        """What an answer says about the model that gave it."""
        return {
            "name": self.name,
            "arch": self.meta["arch"],
            "dataset": self.meta["dataset"],
            "sha256": self.card["sha256"],
        }

    def describe(self) -> dict[str, Any]:
        """The model card plus where and how it runs."""
        return {**self.card, "name": self.name, "device": str(self.device), "engine": self.engine}


def _onnx_session(path: Path, model: nn.Module, meta: dict[str, Any], engine: str, threads: int):
    """The checked ONNX Runtime session for checkpoint `path`, or None to run it in torch."""
    if engine == "torch":
        return None
    data = checkpoint.read_onnx(path)  # CheckpointError if named but missing or altered
    if data is None:
        if engine == "onnxruntime":
            raise checkpoint.CheckpointError(
                f"INFERENCE_ENGINE=onnxruntime, but {path} has no ONNX twin: run python -m models.export {path}"
            )
        return None
    try:
        session = export.session(data, threads)
    except ImportError:
        if engine == "onnxruntime":
            raise checkpoint.CheckpointError("INFERENCE_ENGINE=onnxruntime, but onnxruntime is not installed") from None
        log.warning("onnxruntime is not installed: %s runs in torch", path)
        return None
    except Exception as exc:  # noqa: BLE001 - ONNX Runtime raises its own types for files it cannot load
        raise checkpoint.CheckpointError(f"ONNX twin of {path} cannot be loaded: {exc}") from None
    gap = export.disagreement(model, session, meta["input_shape"])
    if gap > export.TOLERANCE:
        raise checkpoint.CheckpointError(f"ONNX twin of {path} disagrees with it by {gap:.2g} in probability")
    return session
