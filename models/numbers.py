"""Numbers drawn as people write them: MNIST digits as pen strokes laid out on a line, for training the pair
reader (`models.pairs`) and for drawing the benchmark's numbers in Chromium (harness/numbers.py).

A number's digits get uneven sizes, a slight slant each and a baseline that wanders; a digit may be drawn
with the pen lifted (a stretch of its stroke missing, so it falls apart), and two neighbours may touch
(the right one slides left until its ink meets the left one's, as when written fast).
"""

from __future__ import annotations

import numpy as np

from models import pen
from models.pen import lift_pen
from models.recipe import digit_pair

PEN = (0.05, 0.15)  # the pen's width, a share of the line's height: the benchmark's numbers
TRAIN_PEN = (0.05, 0.25)  # the pair reader's training groups: thick pens too (a small number on the page's pad)


def touching_shift(
    left: np.ndarray,
    right: np.ndarray,
    pen_width: float,
    rng: np.random.Generator,
    reach: tuple[float, float] = (0.55, 0.95),
) -> float:
    """How far to move the `right` digit's points (canvas px) leftwards so that its ink just touches the
    `left` digit's: their centre lines come within `reach` (a random share, drawn from the range) of a pen's
    width, so the inks overlap by a little (written fast)."""
    from scipy.spatial import cKDTree

    target = pen_width * float(rng.uniform(*reach))
    tree = cKDTree(left)

    def closest(shift: float) -> float:
        return float(tree.query(right - np.array([shift, 0.0]))[0].min())

    low, high = 0.0, float(right[:, 0].max() - left[:, 0].min())  # no shift: apart; high: on top of it
    for _ in range(30):
        mid = (low + high) / 2
        low, high = (mid, high) if closest(mid) > target else (low, mid)
    return low


def layout(
    digit_strokes: list[pen.Strokes],
    rng: np.random.Generator,
    touch: int | None,
    reach: tuple[float, float] = (0.55, 0.95),
    pen_range: tuple[float, float] = PEN,
):
    """Each digit's strokes in canvas px: sizes, slants and a wandering baseline, gaps between the digits
    (none at `touch`: digit touch+1 slides left until its ink meets digit touch's); the pen (its width a
    share of the line's height, drawn from `pen_range`); the canvas."""
    height = float(rng.uniform(60, 140))
    pen_width = max(2.0, height * float(rng.uniform(*pen_range)))
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
            shift = touching_shift(np.concatenate(placed[-1]), np.concatenate(digit), pen_width, rng, reach)
            digit = [s - np.array([shift, 0.0], np.float32) for s in digit]
        placed.append(digit)
        x = float(np.concatenate(digit)[:, 0].max()) + pen_width + float(rng.uniform(0.2, 0.5)) * height
    points = np.concatenate([np.concatenate(d) for d in placed])
    margin = 30 + pen_width
    offset = np.array([0.0, margin - points[:, 1].min()], np.float32)
    placed = [[s + offset for s in d] for d in placed]
    canvas = (int(points[:, 0].max() + margin), int(points[:, 1].max() - points[:, 1].min() + 2 * margin))
    return placed, pen_width, canvas


PAIR_SHARE = 0.5  # of the pair reader's training groups, two digits (touching, or close: APART_SHARE); the rest one
LIFTED_SHARE = 0.35  # of the single digits, drawn with the pen lifted (its pieces, joined again, make the group)
TRAIN_REACH = (0.2, 1.0)  # wider than the benchmark's: barely touching to deeply overlapping
APART_SHARE = 0.25  # of the pairs, two digits close but apart: still two when the reader sees them as one group
APART_REACH = (1.0, 3.0)


def group_sample(job: tuple) -> np.ndarray:
    """One training group for the pair reader: one digit, or two touching or close (`second` is not None), drawn
    with a random pen, size and slant (a single digit with the pen lifted at `lifted_share`), through the pair
    recipe: a (28, 56) uint8 field."""
    first, second, seed, lifted_share, pen_range = job
    rng = np.random.default_rng(seed)
    strokes = [pen.skeleton_strokes(first)] + ([pen.skeleton_strokes(second)] if second is not None else [])
    if second is None and rng.uniform() < lifted_share:
        strokes[0] = lift_pen(strokes[0], rng, gap=0.07) or strokes[0]
    reach = APART_REACH if rng.uniform() < APART_SHARE else TRAIN_REACH
    placed, width, canvas = layout(strokes, rng, 0 if second is not None else None, reach, pen_range)
    ink = pen.ink([s for digit in placed for s in digit], width, canvas)
    return np.round(digit_pair(ink) * 255).astype(np.uint8)


def group_set(
    images: np.ndarray,
    labels: np.ndarray,
    count: int,
    seed: int,
    pair_share: float = PAIR_SHARE,
    lifted_share: float = LIFTED_SHARE,
    pen_range: tuple[float, float] = TRAIN_PEN,
) -> tuple[np.ndarray, np.ndarray]:
    """`count` training groups made of `images` (N, 28, 28) uint8: (count, 1, 28, 56) uint8 fields, and labels
    (count, 3): [digits in the group - 1, the first digit, the second digit (-1 for a single digit)]."""
    from multiprocessing import get_context

    rng = np.random.default_rng(seed)
    pairs = rng.uniform(size=count) < pair_share
    first, second = rng.integers(len(images), size=count), rng.integers(len(images), size=count)
    jobs = [
        (images[a], images[b] if pair else None, int(s), lifted_share, pen_range)
        for a, b, pair, s in zip(first, second, pairs, rng.integers(0, 2**63, count), strict=True)
    ]
    with get_context("spawn").Pool() as pool:
        fields = pool.map(group_sample, jobs, chunksize=256)
    y = np.stack([pairs.astype(np.int64), labels[first], np.where(pairs, labels[second], -1)], 1)
    return np.stack(fields)[:, None], y
