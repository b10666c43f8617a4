"""Self-describing checkpoints: plain data + tensors (loadable with weights_only=True) + a JSON model card.

A checkpoint carries everything needed to rebuild and feed its network: the arch name
and constructor arguments, the data set, class names, input shape, normalisation, the
serving recipe, metrics, seed, the command that made it and library versions. Beside
`NAME.pt` lies `NAME.json`, the model card: the same metadata plus the file's sha256, and,
once `models.export` has run, `NAME.onnx`: the same network for ONNX Runtime, its sha256 in the
card under "onnx".
"""

from __future__ import annotations

import hashlib
import json
import platform
from pathlib import Path
from typing import Any

import torch
from torch import nn

from models import nets

FORMAT_VERSION = 1
REQUIRED_KEYS = ("format_version", "arch", "arch_args", "dataset", "classes", "input_shape", "mean", "std",
                 "state_dict")  # fmt: skip


class CheckpointError(RuntimeError):
    """A checkpoint that is missing, corrupt, tampered with or not of our format."""


def card_path(path: Path) -> Path:
    """The model card that belongs to checkpoint `path`."""
    return Path(path).with_suffix(".json")


def onnx_path(path: Path) -> Path:
    """The ONNX twin that belongs to checkpoint `path`."""
    return Path(path).with_suffix(".onnx")


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


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


def write_card(path: Path, card: dict[str, Any]) -> None:
    """(Re)write the model card of checkpoint `path`."""
    card_path(path).write_text(json.dumps(card, indent=2) + "\n")


def read_card(path: Path) -> dict[str, Any]:
    """The model card beside checkpoint `path`."""
    try:
        return json.loads(card_path(path).read_text())
    except FileNotFoundError:
        raise CheckpointError(f"model card {card_path(path)} is missing") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"model card {card_path(path)} is not valid JSON: {exc}") from None


def read_onnx(path: Path) -> bytes | None:
    """The ONNX twin of checkpoint `path` as bytes, checked against its card; None when the card names none."""
    entry = read_card(path).get("onnx")
    if not entry:
        return None
    twin = onnx_path(path)
    if not isinstance(entry, dict) or entry.get("file") != twin.name:
        raise CheckpointError(f"model card {card_path(path)} names an ONNX twin other than {twin.name}")
    try:
        data = twin.read_bytes()
    except FileNotFoundError:
        raise CheckpointError(f"ONNX twin {twin} named by its model card is missing") from None
    actual = hashlib.sha256(data).hexdigest()
    if actual != entry.get("sha256"):
        raise CheckpointError(f"ONNX twin {twin} has sha256 {actual}, its model card says {entry.get('sha256')}")
    return data


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
