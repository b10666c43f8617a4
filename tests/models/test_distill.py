"""The distillation loss: the labels' part, the teacher's part, and which way the teacher's part pulls."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from models import distill
from models.trainconfig import TrainConfig


def test_without_a_teacher_the_loss_is_the_label_smoothed_cross_entropy():
    logits, labels = torch.randn(8, 10), torch.randint(0, 10, (8,))
    cfg = TrainConfig(label_smoothing=0.05)
    assert distill.loss(logits, None, labels, cfg) == pytest.approx(
        F.cross_entropy(logits, labels, label_smoothing=0.05).item()
    )


def test_a_teacher_that_agrees_adds_nothing_but_takes_its_share():
    logits, labels = torch.randn(8, 10), torch.randint(0, 10, (8,))
    cfg = TrainConfig(distill_weight=0.3, distill_temperature=4.0)
    hard = F.cross_entropy(logits, labels, label_smoothing=cfg.label_smoothing).item()
    assert distill.loss(logits, logits.clone(), labels, cfg).item() == pytest.approx(0.7 * hard, rel=1e-5)


def test_the_teachers_part_pulls_the_student_toward_the_teachers_probabilities():
    torch.manual_seed(0)
    student = torch.randn(16, 10, requires_grad=True)
    teacher = torch.randn(16, 10) * 3
    labels = teacher.argmax(1)
    cfg = TrainConfig(distill_weight=1.0, distill_temperature=2.0)

    def gap(s):
        return (F.softmax(s / 2, 1) - F.softmax(teacher / 2, 1)).abs().sum().item()

    before = gap(student.detach())
    distill.loss(student, teacher, labels, cfg).backward()
    with torch.no_grad():
        student -= 0.5 * student.grad
    assert gap(student.detach()) < before


def test_a_teachers_extra_outputs_are_not_compared():
    logits, labels = torch.randn(4, 10), torch.randint(0, 10, (4,))
    teacher = torch.cat([logits, torch.randn(4, 1) * 10], 1)  # an eleventh output: "not one digit"
    cfg = TrainConfig(distill_weight=0.5)
    hard = F.cross_entropy(logits, labels, label_smoothing=cfg.label_smoothing).item()
    assert distill.loss(logits, teacher, labels, cfg).item() == pytest.approx(0.5 * hard, rel=1e-5)
