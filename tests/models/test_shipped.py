"""The shipped checkpoints reach their stated accuracy on the real test sets."""

from __future__ import annotations

import json

import pytest

from harness import FASHION_CKPT, MNIST_CKPT
from models import checkpoint, evaluate, finetune, webreport


@pytest.mark.parametrize("path, floor", [(MNIST_CKPT, 0.996), (FASHION_CKPT, 0.93)])
def test_shipped_checkpoint_reaches_its_accuracy(path, floor):
    result = evaluate.evaluate_checkpoint(path)
    card = checkpoint.read_card(path)
    assert result["test_accuracy"] >= floor - 1e-6  # a float32 mean: 9960/10000 reads 0.99599999
    assert result["test_accuracy"] == pytest.approx(card["metrics"]["test_accuracy"], abs=1e-4)
    assert card["bytes"] < 5 * 1024 * 1024 and card["sha256"] == checkpoint.sha256_file(path)
    assert card["command"].startswith("python -m models.train")


@pytest.mark.parametrize("path", [MNIST_CKPT, FASHION_CKPT])
def test_the_model_pages_report_names_every_command_that_made_the_shipped_checkpoint(path):
    """The page's "Reproduce" reads the report: for a fine-tune, its base's command first, then each fine-tune."""
    card = checkpoint.read_card(path)
    report = json.loads(webreport.report_path(path).read_text())
    assert report["model"]["sha256"] == card["sha256"]  # the report is the checkpoint's, not an older one's
    assert report["model"]["commands"] == finetune.commands(card)
    assert report["model"]["commands"][-1] == card["command"]
