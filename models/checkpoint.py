"""Self-describing checkpoints: plain data + tensors (loadable with weights_only=True) + a JSON model card.

A checkpoint carries everything needed to rebuild and feed its network: the arch name
and constructor arguments, the data set, class names, input shape, normalisation, the
serving recipe, metrics, seed, the command that made it and library versions. Beside
`NAME.pt` lies `NAME.json`, the model card: the same metadata plus the file's sha256, and,
once `models.export` has run, `NAME.onnx`: the same network for ONNX Runtime, its sha256 and
probe outputs in the card under "onnx". Reading cards and twins needs no torch: `models.runtime`.
"""

from __future__ import annotations

import json
import platform
import tempfile
from pathlib import Path
from typing import Any

import torch
from torch import nn

from models import nets
from models.runtime import CheckpointError, card_path, read_card, sha256_file

__all__ = ["CheckpointError", "card_path", "load", "read_card", "save", "sha256_file", "write_card"]

FORMAT_VERSION = 1
METADATA = ("arch", "arch_args", "dataset", "classes", "input_shape", "mean", "std")  # what a card must hold
REQUIRED_KEYS = ("format_version", *METADATA, "state_dict")


def versions() -> dict[str, str]:
    """Library versions worth recording next to the weights."""
    return {"python": platform.python_version(), "torch": str(torch.__version__)}


def clean_state_dict(model: nn.Module) -> dict[str, torch.Tensor]:
    """The weights of the unwrapped model (no torch.compile `_orig_mod.` prefix), on the CPU."""
    model = getattr(model, "_orig_mod", model)
    return {k.removeprefix("_orig_mod."): v.detach().cpu().clone() for k, v in model.state_dict().items()}


def save(path: Path, model: nn.Module, meta: dict[str, Any]) -> dict[str, Any]:
    """Write checkpoint + model card; return the card."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ckpt = {"format_version": FORMAT_VERSION, **meta, "state_dict": clean_state_dict(model)}
    missing = [k for k in REQUIRED_KEYS if k not in ckpt]
    if missing:
        raise ValueError(f"checkpoint metadata lacks {missing}")
    torch.save(ckpt, path)
    card = {k: v for k, v in ckpt.items() if k != "state_dict"}
    card["parameters"] = sum(v.numel() for k, v in ckpt["state_dict"].items() if not k.endswith("num_batches_tracked"))
    card["file"] = path.name
    card["bytes"] = path.stat().st_size
    card["sha256"] = sha256_file(path)
    write_card(path, card)
    return card


def check_writable(path: Path) -> None:
    """Raise OSError, before any training, if a checkpoint cannot be written at `path` (its folder made if need be)."""
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder, not a checkpoint file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=path.parent).close()
    except OSError as exc:
        raise OSError(f"cannot write a checkpoint in {path.parent}: {exc.strerror or exc}") from None


def write_card(path: Path, card: dict[str, Any]) -> None:
    """(Re)write the model card of checkpoint `path`."""
    card_path(path).write_text(json.dumps(card, indent=2) + "\n")


def load(path: Path, map_location: str | torch.device = "cpu", verify: bool = True) -> tuple[nn.Module, dict]:
    """Rebuild the network of checkpoint `path` in eval mode; return (model, metadata without weights).

    With `verify`, the file's sha256 must match its model card's.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist")
    if verify:
        expected = read_card(path).get("sha256")
        actual = sha256_file(path)
        if actual != expected:
            raise CheckpointError(f"checkpoint {path} has sha256 {actual}, its model card says {expected}")
    try:
        ckpt = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # noqa: BLE001 - torch raises many types for corrupt or unsafe files
        reason = next((line for line in str(exc).splitlines() if "Unpickler error" in line), str(exc).splitlines()[0])
        raise CheckpointError(f"checkpoint {path} cannot be loaded safely (weights_only): {reason.strip()}") from None
    if not isinstance(ckpt, dict) or any(k not in ckpt for k in REQUIRED_KEYS):
        raise CheckpointError(f"checkpoint {path} is not a self-describing checkpoint (keys {REQUIRED_KEYS} needed)")
    if ckpt["format_version"] > FORMAT_VERSION:
        raise CheckpointError(
            f"checkpoint {path} has format {ckpt['format_version']}, this code reads <= {FORMAT_VERSION}"
        )
    try:
        model = nets.build(ckpt["arch"], **ckpt["arch_args"])
        model.load_state_dict(ckpt.pop("state_dict"))
    except (ValueError, TypeError, RuntimeError) as exc:
        raise CheckpointError(f"checkpoint {path} does not match its architecture: {exc}") from None
    return model.to(map_location).eval(), ckpt
