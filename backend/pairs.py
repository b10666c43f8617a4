"""The pair reader of /predict/number (`models.pairs`): is a group of ink two touching digits, and which two?

It runs in ONNX Runtime on the CPU wherever the server runs (one small network, one batch per request),
from its ONNX twin, checked against its model card like every served model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from models import runtime
from models.recipe import RECIPES


class PairReader:
    """The pair reader's twin and card; `read` answers for a batch of groups."""

    def __init__(self, path: Path, threads: int = 1):
        self.twin, self.card = runtime.load_twin(path, threads)
        if self.card.get("preprocess") != "mnist-pair" or len(self.card.get("heads", ())) != 3:
            raise runtime.CheckpointError(f"{path} is not a pair reader (python -m models.pairs)")
        self.recipe = RECIPES["mnist-pair"]

    def read(self, inks: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Groups' ink maps -> (N,) probability that each is two digits, and (N, 10) probabilities of its first
        and of its second digit."""
        return self.heads(np.stack([self.recipe(ink)[None] for ink in inks]))

    def heads(self, fields: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The same for groups already through the pair recipe: (N, 1, 28, 56) fields, float in [0, 1] or uint8."""
        logits = self.twin.logits(runtime.normalise(fields, self.card["mean"], self.card["std"]))
        count, first, second = np.split(logits, np.cumsum(self.card["heads"])[:-1], axis=1)
        return runtime.softmax(count)[:, 1], runtime.softmax(first), runtime.softmax(second)

    def after_fork(self) -> None:
        """In each gunicorn worker, before its first request (its own threads, when it has more than one)."""
        self.twin.after_fork()
