"""Re-evaluate a checkpoint on its data set's test split.

    python -m models.evaluate models/checkpoints/mnist-digitnet.pt

Ends its output with a line `test accuracy: 0.XXXX`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from models import checkpoint, data
from models.device import DEVICES, DeviceUnavailable, pick_device
from models.runtime import normalise


@torch.inference_mode()
def logits_of(model: nn.Module, images: torch.Tensor, mean: list[float], std: list[float], batch_size: int = 1000):
    """(B, classes) logits of `model` in eval mode on uint8 images (B, C, H, W), normalised by mean/std."""
    model.eval()
    parts = [
        model(normalise(images[i : i + batch_size], mean, std).contiguous(memory_format=torch.channels_last))
        for i in range(0, len(images), batch_size)
    ]
    return torch.cat(parts).float()


def evaluate(
    model: nn.Module, images: torch.Tensor, labels: torch.Tensor, mean: list[float], std: list[float], classes: int = 10
):
    """(mean loss, accuracy, predictions) of `model` on uint8 images (B, C, H, W), normalised by mean/std,
    over its first `classes` outputs (a network may have one more: "not one digit")."""
    logits = logits_of(model, images, mean, std)[:, :classes]
    pred = logits.argmax(1)
    return F.cross_entropy(logits, labels).item(), (pred == labels).float().mean().item(), pred


def evaluate_checkpoint(path: Path, data_root: Path = data.DEFAULT_ROOT, device: str | torch.device = "cpu") -> dict:
    """Test loss, accuracy and per-class accuracy of checkpoint `path` on its own test split."""
    model, meta = checkpoint.load(path, map_location=device)
    if meta.get("preprocess") == "mnist-pair":
        raise ValueError(
            f"{path} is the pair reader of /predict/number, not a classifier of a test split (bench.numbers measures it)"
        )
    images, labels = data.load(meta["dataset"], train=False, root=data_root)
    images, labels = images.to(device), labels.to(device)
    loss, acc, pred = evaluate(model, images, labels, meta["mean"], meta["std"], len(meta["classes"]))
    per_class = {name: (pred[labels == c] == c).float().mean().item() for c, name in enumerate(meta["classes"])}
    return {
        "dataset": meta["dataset"],
        "arch": meta["arch"],
        "test_loss": loss,
        "test_accuracy": acc,
        "per_class": per_class,
        "errors": int((pred != labels).sum()),
    }


def main(argv: list[str] | None = None) -> None:
    """CLI: print per-class accuracy, then the test accuracy line."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoint", type=Path, help="a .pt file written by models.train")
    p.add_argument("--data-root", type=Path, default=data.DEFAULT_ROOT, help="data root (default: ./data)")
    p.add_argument("--device", default="cpu", choices=DEVICES, help="torch device (default: cpu)")
    args = p.parse_args(argv)
    try:
        result = evaluate_checkpoint(args.checkpoint, args.data_root, pick_device(args.device))
    except (checkpoint.CheckpointError, data.DataUnavailable, DeviceUnavailable, ValueError) as exc:
        raise SystemExit(f"error: {exc}") from None
    print(f"{result['arch']} on {result['dataset']} test split: {result['errors']} errors")
    for name, acc in result["per_class"].items():
        print(f"  {name:>12}: {acc:.4f}")
    print(f"test loss: {result['test_loss']:.4f}")
    print(f"test accuracy: {result['test_accuracy']:.4f}")


if __name__ == "__main__":
    main()
