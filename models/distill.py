"""Distillation: a network learns a trained teacher's softened answers as well as the labels.

A wider network reads more than a narrow one can learn from labels alone; trained to match the teacher's
probabilities on the same augmented batches, the narrow network keeps its serving speed and takes some
of what the wide one read.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F

from models import checkpoint


def load_teacher(path: Path, dataset: str, classes: int, device: torch.device) -> tuple[torch.nn.Module, dict]:
    """The teacher at `path`, frozen and in eval mode on `device`, and what the card records of it; a teacher
    trained on another data set, or with other classes, is refused with a one-line reason."""
    model, meta = checkpoint.load(path, map_location=device)
    if meta["dataset"] != dataset or len(meta["classes"]) != classes:
        raise SystemExit(
            f"error: teacher {path} was trained on {meta['dataset']} ({len(meta['classes'])} classes), "
            f"not on {dataset} ({classes})"
        )
    model.eval().requires_grad_(False)
    model.to(memory_format=torch.channels_last)
    return model, {"path": str(path), "sha256": checkpoint.read_card(path)["sha256"], "command": meta.get("command")}


def loss(logits: torch.Tensor, teacher_logits: torch.Tensor | None, labels: torch.Tensor, cfg) -> torch.Tensor:
    """Cross-entropy with the labels; with a teacher's logits, (1 - w) x that + w x T^2 x KL(teacher || student)
    at temperature T (Hinton et al. 2015: T^2 keeps the soft part's gradients the size of the hard part's), w and
    T from the TrainConfig `cfg`."""
    hard = F.cross_entropy(logits, labels, label_smoothing=cfg.label_smoothing)
    if teacher_logits is None:
        return hard
    t = cfg.distill_temperature
    soft = F.kl_div(
        F.log_softmax(logits / t, 1),
        F.log_softmax(teacher_logits[:, : logits.shape[1]].float() / t, 1),
        reduction="batchmean",
        log_target=True,
    )
    return (1 - cfg.distill_weight) * hard + cfg.distill_weight * t**2 * soft
