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


@dataclass(frozen=True)
class NumberItem:
    """One drawn number: PNG bytes, the digits written, and how it was made."""

    data: bytes
    text: str
    encoding: str
    lifted: bool  # one digit drawn with the pen lifted: in two or more pieces
    touching: bool  # two neighbouring digits touch
    spans: tuple[tuple[float, float], ...] = ()  # each digit's ink from left to right edge, canvas px


def _pieces(strokes: pen.Strokes) -> int:
    """How many connected pieces a digit's skeleton segments form (segments sharing a point are connected)."""
    points = {}
    parent = []

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for stroke in strokes:
        ids = []
        for p in np.round(stroke * 1000).astype(int).tolist():
            if tuple(p) not in points:
                points[tuple(p)] = len(parent)
                parent.append(len(parent))
            ids.append(points[tuple(p)])
        for a, b in zip(ids, ids[1:], strict=False):
            parent[find(a)] = find(b)
    return len({find(i) for i in range(len(parent))})


def lift_pen(strokes: pen.Strokes, rng: np.random.Generator, gap: float) -> pen.Strokes | None:
    """The digit with its stroke interrupted around one point, so that it falls into 2+ sizeable pieces; None
    when no try of ten does that (a 1, say). `gap` is the missing stretch's radius, in the unit box."""
    points = np.concatenate(strokes)
    for _ in range(10):
        centre = points[rng.integers(len(points))]
        kept = [s for s in strokes if np.linalg.norm(s - centre, axis=1).min() > gap]
        if len(kept) > 0.7 * len(strokes) and _pieces(kept) >= 2:
            return kept
    return None


def _touching_shift(left: np.ndarray, right: np.ndarray, pen_width: float, rng: np.random.Generator) -> float:
    """How far to move the `right` digit's points (canvas px) leftwards so that its ink just touches the
    `left` digit's: their centre lines come within a pen's width, overlapping by a little (written fast)."""
    target = pen_width * float(rng.uniform(0.55, 0.95))

    def closest(shift: float) -> float:
        moved = right - np.array([shift, 0.0])
        return float(np.sqrt(((left[:, None, :] - moved[None, :, :]) ** 2).sum(-1)).min())

    low, high = 0.0, float(right[:, 0].max() - left[:, 0].min())  # no shift: apart; high: on top of it
    for _ in range(30):
        mid = (low + high) / 2
        low, high = (mid, high) if closest(mid) > target else (low, mid)
    return low


def _layout(digit_strokes: list[pen.Strokes], rng: np.random.Generator, touch: int | None):
    """Each digit's strokes in canvas px: sizes, slants and a wandering baseline, gaps between the digits
    (none at `touch`: digit touch+1 slides left until its ink meets digit touch's); the pen; the canvas."""
    height = float(rng.uniform(60, 140))
    pen_width = max(2.0, height * float(rng.uniform(0.05, 0.15)))
    placed, x, y = [], 40.0 + pen_width, 0.0
    for i, strokes in enumerate(digit_strokes):
        h = height * float(rng.uniform(0.8, 1.2))
        y += float(rng.normal(0, 0.08 * height))
        digit = pen.place(
            strokes, pen.Pose(canvas=0, height=h, pen=0.0, angle=float(rng.uniform(-8, 8)), centre=(0.0, y))
        )
        left_edge = float(np.concatenate(digit)[:, 0].min())
        digit = [s + np.array([x - left_edge, 0.0], np.float32) for s in digit]
        if touch is not None and i == touch + 1:
            shift = _touching_shift(np.concatenate(placed[-1]), np.concatenate(digit), pen_width, rng)
            digit = [s - np.array([shift, 0.0], np.float32) for s in digit]
        placed.append(digit)
        x = float(np.concatenate(digit)[:, 0].max()) + pen_width + float(rng.uniform(0.2, 0.5)) * height
    points = np.concatenate([np.concatenate(d) for d in placed])
    margin = 30 + pen_width
    offset = np.array([0.0, margin - points[:, 1].min()], np.float32)
    placed = [[s + offset for s in d] for d in placed]
    canvas = (int(points[:, 0].max() + margin), int(points[:, 1].max() - points[:, 1].min() + 2 * margin))
    return placed, pen_width, canvas


def items(browser, count: int = 600, seed: int = 12, lifted: float = 0.25, touching: float = 0.25) -> list[NumberItem]:
    """`count` drawn numbers: about `lifted` of them with a pen-lifted digit, `touching` with two touching digits."""
    rng = np.random.default_rng(seed)
    images, labels = data.load("mnist", train=False)
    jobs, meta = [], []
    for n in range(count):
        length = int(rng.integers(1, 7))
        picks = rng.choice(len(images), length, replace=False)
        strokes = [pen.skeleton_strokes(images[i, 0].numpy()) for i in picks]
        kind = rng.uniform()
        was_lifted = False
        if kind < lifted:
            which = int(rng.integers(length))
            cut = lift_pen(strokes[which], rng, gap=0.07)
            if cut is not None:
                strokes[which], was_lifted = cut, True
        touch = int(rng.integers(length - 1)) if lifted <= kind < lifted + touching and length > 1 else None
        digits, width, canvas = _layout(strokes, rng, touch)
        spans = [(float(np.concatenate(d)[:, 0].min() - width / 2), float(np.concatenate(d)[:, 0].max() + width / 2))
                 for d in digits]  # fmt: skip
        jobs.append(([s for d in digits for s in d], width, canvas, ENCODINGS[n % 3]))
        meta.append(("".join(str(int(labels[i])) for i in picks), ENCODINGS[n % 3], was_lifted, touch is not None,
                     tuple(spans)))  # fmt: skip
    return [NumberItem(blob, *m) for blob, m in zip(chromium_drawings(browser, jobs), meta, strict=True)]
