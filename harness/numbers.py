"""Drawn numbers for bench/numbers.py and its short version in the tests.

A number of 1-6 MNIST *test* digits, each thinned to its centre lines (models.pen) and redrawn in real
Chromium with one round pen on one canvas, as a person writes it: uneven sizes, a baseline that
wanders, a slight slant each. Some numbers have a digit drawn with the pen lifted (a piece of its
stroke missing, so it falls apart into two or more pieces), some have two neighbours that touch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness.browser import chromium_drawings
from harness.images import ENCODINGS
from models import data, pen
from models.numbers import PEN, layout
from models.pen import lift_pen


@dataclass(frozen=True)
class NumberItem:
    """One drawn number: PNG bytes, the digits written, and how it was made."""

    data: bytes
    text: str
    encoding: str
    lifted_at: int | None  # the digit (from the left) drawn with the pen lifted, in two or more pieces; or None
    touching: bool  # two neighbouring digits touch
    spans: tuple[tuple[float, float], ...] = ()  # each digit's ink from left to right edge, canvas px

    @property
    def lifted(self) -> bool:
        return self.lifted_at is not None


def items(
    browser,
    count: int = 600,
    seed: int = 12,
    lifted: float = 0.25,
    touching: float = 0.25,
    pen_range: tuple[float, float] = PEN,
) -> list[NumberItem]:
    """`count` drawn numbers: about `lifted` of them with a pen-lifted digit, `touching` with two touching digits;
    the pen's width a share of the line's height, drawn from `pen_range`."""
    rng = np.random.default_rng(seed)
    images, labels = data.load("mnist", train=False)
    jobs, meta = [], []
    for n in range(count):
        length = int(rng.integers(1, 7))
        picks = rng.choice(len(images), length, replace=False)
        strokes = [pen.skeleton_strokes(images[i, 0].numpy()) for i in picks]
        kind = rng.uniform()
        lifted_at = None
        if kind < lifted:
            which = int(rng.integers(length))
            cut = lift_pen(strokes[which], rng, gap=0.07)
            if cut is not None:
                strokes[which], lifted_at = cut, which
        touch = int(rng.integers(length - 1)) if lifted <= kind < lifted + touching and length > 1 else None
        digits, width, canvas = layout(strokes, rng, touch, pen_range=pen_range)
        spans = [
            (float(np.concatenate(d)[:, 0].min() - width / 2), float(np.concatenate(d)[:, 0].max() + width / 2))
            for d in digits
        ]
        jobs.append(([s for d in digits for s in d], width, canvas, ENCODINGS[n % 3]))
        text = "".join(str(int(labels[i])) for i in picks)
        meta.append((text, ENCODINGS[n % 3], lifted_at, touch is not None, tuple(spans)))
    return [NumberItem(blob, *m) for blob, m in zip(chromium_drawings(browser, jobs), meta, strict=True)]
