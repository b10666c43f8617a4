"""The torch engine: the GPU path (and INFERENCE_ENGINE=torch on a CPU). Imported only when it is chosen.

The master loads and verifies the checkpoint on the CPU (sha256 against its card, weights_only) and
never touches CUDA: a CUDA context does not survive gunicorn's fork (PYTORCH_NVML_BASED_CUDA_CHECK=1,
set by `backend.predictor` before this is imported, makes torch.cuda.is_available() ask NVML instead). Each worker moves the network
to its device on its first use (`after_fork` does it before the first request), and so does a
process that never forks (the test client, `flask run`).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import torch
from torch import nn

from backend.predictor import EngineUnavailable
from models import checkpoint
from models.device import DeviceUnavailable, pick_device

log = logging.getLogger(__name__)


def for_inference(model: nn.Module) -> nn.Module:
    """BatchNorm folded into the convolutions before it, weights in channels_last: ~1.5x faster on CPU."""
    from torch.fx.experimental.optimization import fuse

    try:
        model = fuse(model)
    except Exception as exc:  # noqa: BLE001 - an untraceable network still serves, only unfused
        log.warning("serving %s unfused: %s", type(model).__name__, exc)
    return model.to(memory_format=torch.channels_last).eval()


class TorchEngine:
    """A checkpoint in torch on `device` (auto | cpu | cuda)."""

    name = "torch"

    def __init__(self, path: Path, device: str, threads: int, input_shape: list[int]):
        try:
            self._device = pick_device(device)
        except DeviceUnavailable as exc:
            raise EngineUnavailable(str(exc)) from None
        self.device = str(self._device)
        self.threads, self.input_shape = threads, input_shape
        torch.set_num_threads(threads)
        model, _ = checkpoint.load(path, map_location="cpu")
        self.model = for_inference(model)
        self._pid = os.getpid() if self._device.type == "cpu" else None  # the process the model is ready in

    def after_fork(self) -> None:
        """A forked worker starts a fresh thread pool and no CUDA context: set both up, and warm up."""
        torch.set_num_threads(self.threads)
        self._ready()
        self.logits(np.zeros((1, *self.input_shape), dtype=np.float32))

    def _ready(self) -> None:
        if self._pid != os.getpid():
            self.model = self.model.to(self._device)
            self._pid = os.getpid()

    @torch.inference_mode()
    def logits(self, inputs: np.ndarray) -> np.ndarray:
        self._ready()
        x = torch.from_numpy(inputs).to(self._device).contiguous(memory_format=torch.channels_last)
        return self.model(x).double().cpu().numpy()
