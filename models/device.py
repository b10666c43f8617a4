"""Choosing the torch device, the same way for training and serving."""

from __future__ import annotations

import torch

DEVICES = ["auto", "cpu", "cuda"]  # what pick_device takes: the command lines' --device choices


class DeviceUnavailable(RuntimeError):
    """The requested device does not exist on this machine."""


def pick_device(name: str) -> torch.device:
    """auto -> CUDA when present, else CPU; 'cuda' without a GPU raises DeviceUnavailable."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise DeviceUnavailable("cuda was asked for but no CUDA device is available")
    return torch.device(name)


def describe(device: torch.device) -> str:
    """What a result file or card says ran it: "cpu", or the GPU's name."""
    return str(device) if device.type == "cpu" else torch.cuda.get_device_name(device)
