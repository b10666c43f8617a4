"""A checkpoint loaded once onto its device, answering batches of prepared inputs with probabilities."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from backend.preprocess import RECIPES
from models import checkpoint

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
    """One served model: network, metadata, model card and device."""

    name: str
    model: nn.Module
    meta: dict[str, Any]
    card: dict[str, Any]
    device: torch.device

    @classmethod
    def load(cls, name: str, path: Path, device: torch.device) -> Predictor:
        """Load and verify checkpoint `path` (sha256 against its card, weights_only). Raises CheckpointError."""
        model, meta = checkpoint.load(path, map_location=device)
        model = for_inference(model)
        recipe = meta.get("preprocess")
        if recipe not in RECIPES:
            raise checkpoint.CheckpointError(
                f"checkpoint {path} needs preprocessing {recipe!r}, which this server lacks"
            )
        predictor = cls(name, model, meta, checkpoint.read_card(path), device)
        predictor.predict(np.zeros((1, *meta["input_shape"]), dtype=np.float32))  # warm-up: allocate once
        log.info("model %s: %s on %s from %s", name, meta["arch"], device, path)
        return predictor

    @torch.inference_mode()
    def predict(self, inputs: np.ndarray) -> np.ndarray:
        """(B, C, H, W) normalised float32 -> (B, classes) probabilities as float64."""
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
        """The model card plus where it runs."""
        return {**self.card, "name": self.name, "device": str(self.device)}
