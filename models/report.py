"""PNG reports of a run: curves, confusion matrix, misclassified test images, one training batch."""

from __future__ import annotations

from pathlib import Path

import torch
from matplotlib.figure import Figure  # the object API: files only, no pyplot state, no GUI backend
from torchvision.utils import make_grid


def _show(ax, image: torch.Tensor) -> None:
    """Draw a (C, H, W) image in [0, 1] or uint8."""
    img = image.float() / 255 if image.dtype == torch.uint8 else image
    if img.shape[0] == 1:
        ax.imshow(img[0].numpy(), cmap="gray", vmin=0, vmax=1)
    else:
        ax.imshow(img.permute(1, 2, 0).clamp(0, 1).numpy())
    ax.axis("off")


def curves(history: dict, path: Path) -> None:
    """Loss and accuracy per epoch, train vs validation."""
    epochs = range(1, len(history["train_loss"]) + 1)
    fig = Figure(figsize=(10, 4))
    (a, b) = fig.subplots(1, 2)
    a.plot(epochs, history["train_loss"], "o-", label="train")
    a.plot(epochs, history["val_loss"], "o-", label="validation")
    a.set(xlabel="epoch", ylabel="cost (cross-entropy)", title="Cost")
    b.plot(epochs, history["train_acc"], "o-", label="train")
    b.plot(epochs, history["val_acc"], "o-", label="validation")
    b.set(xlabel="epoch", ylabel="accuracy", title="Accuracy")
    for ax in (a, b):
        ax.legend()
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def confusion_matrix(labels: torch.Tensor, preds: torch.Tensor, n: int) -> torch.Tensor:
    """(n, n) counts: rows true class, columns predicted class."""
    return torch.bincount(labels * n + preds, minlength=n * n).view(n, n)


def confusion(labels: torch.Tensor, preds: torch.Tensor, classes: list[str], path: Path) -> None:
    """Confusion matrix of the test set as a heat map with counts."""
    n = len(classes)
    cm = confusion_matrix(labels, preds, n)
    fig = Figure(figsize=(7, 6))
    ax = fig.subplots()
    ax.imshow(cm.log1p().numpy(), cmap="Blues")
    for i in range(n):
        for j in range(n):
            ax.text(j, i, int(cm[i, j]), ha="center", va="center", fontsize=7, color="white" if i == j else "black")
    ax.set(xticks=range(n), yticks=range(n), xlabel="predicted", ylabel="true", title="Confusion matrix (test)")
    ax.set_xticklabels(classes, rotation=45, ha="right", fontsize=7)
    ax.set_yticklabels(classes, fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def misclassified(images, labels, preds, classes: list[str], path: Path, limit: int = 36) -> int:
    """Grid of misclassified test images titled 'predicted / true'; returns how many were wrong."""
    wrong = (preds != labels).nonzero().flatten()
    shown = wrong[:limit]
    cols = 6
    rows = max(1, -(-len(shown) // cols))
    fig = Figure(figsize=(cols * 1.6, rows * 1.8))
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, shown.tolist(), strict=False):
        _show(ax, images[i])
        ax.set_title(f"{classes[preds[i]]} / {classes[labels[i]]}", fontsize=7, color="red")
    fig.suptitle(f"misclassified: {len(wrong)} of {len(labels)} (predicted / true)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return len(wrong)


def batch_preview(images: torch.Tensor, labels: torch.Tensor, classes: list[str], path: Path) -> None:
    """One (augmented) training batch as a grid, with its labels underneath."""
    grid = make_grid(images.float().clamp(0, 1), nrow=8, padding=2, pad_value=0.5)
    fig = Figure(figsize=(8, 8.8))
    ax = fig.subplots()
    _show(ax, grid)
    names = [classes[int(c)] for c in labels]
    ax.set_title(
        "training batch\n" + "\n".join(" ".join(names[i : i + 8]) for i in range(0, len(names), 8)), fontsize=7
    )
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def write_all(run_dir: Path, history, test_x, test_y, test_pred, preview, preview_y, classes) -> None:
    """Every report of a run into `run_dir`."""
    run_dir = Path(run_dir)
    curves(history, run_dir / "curves.png")
    confusion(test_y, test_pred, classes, run_dir / "confusion.png")
    misclassified(test_x, test_y, test_pred, classes, run_dir / "misclassified.png")
    batch_preview(preview, preview_y, classes, run_dir / "batch_preview.png")
