"""The pen-drawn training set of `models.train`: every MNIST training digit redrawn with a random pen (some
with the pen lifted), the drawn styles, and the training fonts' digits (some hollow), each as the 28x28 input
the server's recipe makes of it; drawn in a pool of processes and cached."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from models import recipe
from models.cache import cached
from models.pen import (
    HOLLOW_BODY,
    HOLLOW_WIDTH,
    LIFT_GAP,
    STYLE_SETS,
    STYLES,
    VERSION,
    glyph,
    hollow,
    lift_pen,
    random_pose,
    render,
    skeleton_strokes,
    style_strokes,
)


def field(ink: np.ndarray) -> np.ndarray:
    """An ink map through the server's MNIST recipe: the (28, 28) uint8 input the network sees."""
    return np.round(recipe.mnist_digit(ink) * 255).astype(np.uint8)


def _pen_sample(args: tuple) -> np.ndarray:
    digit, seed, lift_share = args
    rng = np.random.default_rng(seed)
    strokes = skeleton_strokes(digit)
    pose = random_pose(rng, 128, height=(0.55, 0.85), pen=(0.025, 0.25), angle=20)
    if lift_share and rng.random() < lift_share:  # no draw at all without lifting: the old data stay as they were
        strokes = lift_pen(strokes, rng, rng.uniform(*LIFT_GAP)) or strokes
    return field(render(strokes, pose))


def _style_sample(args: tuple) -> tuple[np.ndarray, int]:
    seed, names = args
    rng = np.random.default_rng(seed)
    style = names[seed % len(names)]
    return field(render(style_strokes(style, rng), random_pose(rng, 128, height=(0.55, 0.85)))), STYLES[style][0]


def _glyph_sample(args: tuple) -> tuple[np.ndarray, int]:
    font, seed, hollow_share = args
    rng = np.random.default_rng(seed)
    digit = seed % 10
    pose = random_pose(rng, 128, height=(0.5, 0.8), angle=10)
    ink = glyph(font, digit, pose)
    if hollow_share and rng.random() < hollow_share:
        ink = hollow(ink, pose.height * rng.uniform(*HOLLOW_WIDTH), pose.height * rng.uniform(*HOLLOW_BODY))
    return field(ink), digit


def training_set(
    images: np.ndarray,
    labels: np.ndarray,
    fonts: list[Path],
    seed: int,
    cache: Path | None = None,
    styles: int = 6000,
    glyphs_per_font: int = 300,
    hollow_share: float = 0.0,
    lift_share: float = 0.0,
    style_set: str = "first",
) -> tuple[np.ndarray, np.ndarray]:
    """Extra training data, (N, 1, 28, 28) uint8 and labels: every digit of `images` redrawn with a random pen,
    a share `lift_share` of them with the pen lifted (`lift_pen`), `styles` drawings of the STYLE_SETS[style_set], and
    `glyphs_per_font` digits of each font, a share `hollow_share` of them drawn hollow. Cached in `cache` (an
    .npz) under a key of the inputs, since it takes a few minutes on two cores."""
    params = (seed, styles, glyphs_per_font, VERSION, recipe.STROKE_PEAKS, [f.name for f in fonts], hollow_share)
    params += (lift_share,) if lift_share else ()  # without it, the key of the data made before it existed
    params += (STYLE_SETS[style_set],) if style_set != "first" else ()  # the same
    return cached(
        cache,
        "pen",
        (images, labels),
        params,
        lambda: _draw_all(images, labels, fonts, seed, styles, glyphs_per_font, hollow_share, lift_share, style_set),
    )


def _draw_all(
    images,
    labels,
    fonts: list[Path],
    seed: int,
    styles: int,
    glyphs_per_font: int,
    hollow_share: float,
    lift_share: float,
    style_set: str,
) -> tuple:
    """training_set's arrays, drawn in a pool of processes."""
    from multiprocessing import get_context

    seeds = np.random.default_rng(seed).integers(0, 2**63, len(images) + styles + len(fonts) * glyphs_per_font)
    with get_context("spawn").Pool() as pool:
        jobs = [(digit, int(s), lift_share) for digit, s in zip(images[:, 0], seeds[: len(images)], strict=True)]
        pens = pool.map(_pen_sample, jobs, chunksize=256)
        names = STYLE_SETS[style_set]
        style_jobs = [(int(s), names) for s in seeds[len(images) : len(images) + styles]]
        extra = pool.map(_style_sample, style_jobs, chunksize=64)
        each_font = [f for f in fonts for _ in range(glyphs_per_font)]
        font_jobs = [(f, int(s), hollow_share) for f, s in zip(each_font, seeds[len(images) + styles :], strict=True)]
        extra += pool.map(_glyph_sample, font_jobs, chunksize=64)
    x = np.stack(pens + [f for f, _ in extra])[:, None]
    y = np.concatenate([labels, np.array([d for _, d in extra], dtype=labels.dtype)])
    return x, y
