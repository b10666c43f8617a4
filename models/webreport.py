"""The model page's data: NAME.report.json beside a checkpoint -- small enough to ship and to load on a phone.

    python -m models.webreport models/checkpoints/mnist-digitnet.pt [more.pt ...]

Holds the model card's essentials (with `commands`: every `python -m models.train` command that made the
checkpoint, in turn, a fine-tune's base first), the training curves (from the card's metrics), the test set's
confusion matrix and per-class accuracy, and misclassified test images (28x28 PNG data URLs) with
what the model said; the server's GET /model/report serves it and the page draws it. `models.train`
writes it for the checkpoint it saves. Tens of KB: the budget is 300 KB per model.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import torch

from models import checkpoint, data, finetune
from models.dataurl import png_data_url
from models.evaluate import logits_of

MISCLASSIFIED = 30  # test images shown wrong, the most confidently wrong first
CARD_KEYS = (
    "arch",
    "arch_args",
    "parameters",
    "dataset",
    "classes",
    "input_shape",
    "preprocess",
    "temperature",
    "uncertain_below",
    "calibration",
    "seed",
    "augment",
    "extras",
    "command",
    "created",
    "sha256",
    "bytes",
)


def report_path(path: Path) -> Path:
    """The model page's data file that belongs to checkpoint `path`."""
    return Path(path).with_suffix(".report.json")


def build(card: dict[str, Any], images: torch.Tensor, labels: torch.Tensor, probs: torch.Tensor) -> dict[str, Any]:
    """The report of a model from its card and its (calibrated) probabilities on the test split."""
    n = len(card["classes"])
    pred = probs.argmax(1)
    confusion = torch.bincount(labels * n + pred, minlength=n * n).view(n, n)
    wrong = (pred != labels).nonzero().flatten()
    wrong = wrong[probs[wrong].max(1).values.argsort(descending=True)][:MISCLASSIFIED]
    metrics = card.get("metrics", {})
    history = metrics.get("history", {})
    pictures = images[wrong].permute(0, 2, 3, 1).squeeze(-1).numpy() if len(wrong) else []
    return {
        "model": {k: card[k] for k in CARD_KEYS if k in card}
        | {"commands": finetune.commands(card) or [c for c in [card.get("command")] if c]},
        "metrics": {k: v for k, v in metrics.items() if k != "history"},
        "curves": {
            key: [round(float(v), 5) for v in history.get(key, [])]
            for key in ("train_loss", "val_loss", "train_acc", "val_acc")
        },
        "test": {
            "n": len(labels),
            "accuracy": round(float((pred == labels).float().mean()), 5),
            "per_class": [round(float((pred[labels == c] == c).float().mean()), 5) for c in range(n)],
            "confusion": confusion.tolist(),
        },
        "misclassified": [
            {
                "image": png_data_url(picture, optimize=True),
                "true": int(labels[i]),
                "said": int(pred[i]),
                "confidence": round(float(probs[i].max()), 4),
            }
            for i, picture in zip(wrong.tolist(), pictures, strict=True)
        ],
    }


def write(path: Path, model: torch.nn.Module | None = None, test: tuple | None = None) -> dict[str, Any]:
    """Evaluate checkpoint `path` on its test split and write its NAME.report.json; return the report.
    `model` and `test` (uint8 images, labels on the CPU): what the caller holds already, else loaded."""
    card = checkpoint.read_card(path)
    if model is None:
        model, _ = checkpoint.load(path)
    images, labels = test if test is not None else data.load(card["dataset"], train=False)
    device = next(model.parameters()).device
    logits = logits_of(model, images.to(device), card["mean"], card["std"])[:, : len(card["classes"])].cpu()
    probs = torch.softmax(logits.double() / card.get("temperature", 1.0), 1)
    report = build(card, images, labels, probs)
    report_path(path).write_text(json.dumps(report, separators=(",", ":")) + "\n")
    return report


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoints", nargs="+", type=Path, help="checkpoint files (.pt) with their model cards")
    for path in p.parse_args(argv).checkpoints:
        try:
            report = write(path)
        except checkpoint.CheckpointError as exc:
            raise SystemExit(f"error: {exc}") from None
        size = report_path(path).stat().st_size
        print(
            f"{report_path(path)}: {size // 1024} KB, test accuracy {report['test']['accuracy']:.4f}, "
            f"{len(report['misclassified'])} misclassified shown"
        )


if __name__ == "__main__":
    main()
