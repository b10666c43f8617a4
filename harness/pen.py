"""The pen-drawing benchmark: digits as a browser canvas sends them, read by the real app.

Three kinds of item, each in the three encodings clients send (dark ink on transparent, as the page
does; dark on white; white on black), at random size, place, angle and pen width on 280 or 400 px
canvases: MNIST *test* digits thinned to their centre lines and redrawn with a round pen in real
Chromium; the styles MNIST lacks (models.pen.STYLES), also drawn in Chromium; and digits in the
handwriting fonts that training never saw (models.fonts.FONTS marked "bench"), rendered by Pillow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness.browser import chromium_drawings
from harness.images import ENCODINGS, png, render
from models import data, fonts, pen
from models.calibrate import expected_calibration_error

PEN_BINS = [(0.0, 0.05), (0.05, 0.08), (0.08, 0.12), (0.12, 0.2), (0.2, 1.0)]  # pen width / digit height
ANGLE_STEP = 5  # degrees: the drawings' turns are reported in bins this wide


@dataclass(frozen=True)
class Item:
    """One canvas: its PNG bytes, the true digit, and how it was made."""

    data: bytes
    label: int
    kind: str  # pen | style | font
    encoding: str
    pen: float  # the pen's width over the digit's height (0 for a font)
    detail: str  # the style or font name
    source: int = -1  # the MNIST test digit redrawn (its index in the test set); -1 for a style or a font
    angle: float = 0.0  # the drawing's turn, degrees counter-clockwise


def items(
    browser,
    pens: int = 3000,
    per_style: int = 100,
    per_font: int = 200,
    seed: int = 11,
    pen_range: tuple[float, float] = pen.PEN,
    angle: float = pen.ANGLE,
) -> list[Item]:
    """The benchmark's canvases: `pens` MNIST test digits (the pen's width a share of the digit's height, drawn
    log-uniformly from `pen_range`), `per_style` of each style (both turned by up to `angle` degrees either way),
    `per_font` of each held-out font (up to 10 degrees)."""
    rng = np.random.default_rng(seed)
    images, labels = data.load("mnist", train=False)
    picks = rng.choice(len(images), pens, replace=False)
    jobs, meta = [], []
    for n, i in enumerate(picks):
        pose = pen.random_pose(rng, int(rng.choice([280, 400])), pen=pen_range, angle=angle)
        jobs.append(
            (pen.place(pen.skeleton_strokes(images[i, 0].numpy()), pose), pose.pen, pose.canvas, ENCODINGS[n % 3])
        )
        meta.append((int(labels[i]), "pen", ENCODINGS[n % 3], pose.pen / pose.height, "", int(i), pose.angle))
    later = np.random.default_rng([seed, 1])  # styles added later draw from their own stream: the rest stay as drawn
    for style, (digit, _) in pen.STYLES.items():
        draw = rng if style in pen.STYLE_SETS["first"] else later
        for n in range(per_style):
            pose = pen.random_pose(draw, int(draw.choice([280, 400])), angle=angle)
            jobs.append((pen.place(pen.style_strokes(style, draw), pose), pose.pen, pose.canvas, ENCODINGS[n % 3]))
            meta.append((digit, "style", ENCODINGS[n % 3], pose.pen / pose.height, style, -1, pose.angle))
    out = [Item(blob, *m) for blob, m in zip(chromium_drawings(browser, jobs), meta, strict=True)]
    for font in fonts.fetch()["bench"]:
        for n in range(per_font):
            pose = pen.random_pose(rng, int(rng.choice([280, 400])), angle=10)
            ink = pen.glyph(font, n % 10, pose).astype(np.float32) / 255
            blob = png(render(ink, ENCODINGS[n % 3]))
            out.append(Item(blob, n % 10, "font", ENCODINGS[n % 3], 0.0, font.stem, angle=pose.angle))
    return out


def answers(client, batch: list[Item], model: str = "mnist") -> list[dict]:
    """The app's own answers (Flask test client: the full request path) for each item."""
    return [
        client.post(f"/predict?model={model}", data=item.data, content_type="image/png").get_json() for item in batch
    ]


def _share(mask: np.ndarray, of: np.ndarray) -> float | None:
    return round(float(mask[of].mean()), 4) if of.any() else None


def summary(batch: list[Item], replies: list[dict]) -> dict:
    """Accuracy overall and by kind, encoding, pen width, turn (of the drawn digits, either way), class, style,
    font and class among the fonts; how the uncertain flag splits mistakes from correct answers; expected
    calibration error."""
    truth = np.array([i.label for i in batch])
    said = np.array([r["digit"] for r in replies])
    confidence = np.array([r["confidence"] for r in replies])
    uncertain = np.array([r["uncertain"] for r in replies])
    correct = said == truth
    is_font = np.array([i.kind == "font" for i in batch])
    turn_bin = np.array([int(abs(i.angle) // ANGLE_STEP) for i in batch])  # drawn digits' turns, in ANGLE_STEP bins

    def accuracy(mask: np.ndarray) -> dict:
        return {"n": int(mask.sum()), "accuracy": round(float(correct[mask].mean()), 4) if mask.any() else None}

    by = {
        "kind": {k: accuracy(np.array([i.kind == k for i in batch])) for k in ("pen", "style", "font")},
        "encoding": {e: accuracy(np.array([i.encoding == e for i in batch])) for e in ENCODINGS},
        "pen_width": {
            f"{lo:.2f}-{hi:.2f}": accuracy(np.array([i.kind != "font" and lo <= i.pen < hi for i in batch]))
            for lo, hi in PEN_BINS
        },
        "angle": {
            f"{b * ANGLE_STEP}-{(b + 1) * ANGLE_STEP}": accuracy(~is_font & (turn_bin == b))
            for b in sorted(set(turn_bin[~is_font]))
        },
        "class": {str(c): accuracy(truth == c) for c in range(10)},
        "font_class": {str(c): accuracy(is_font & (truth == c)) for c in range(10)},  # the fonts' goal: each >= 98%
        "style": {s: accuracy(np.array([i.detail == s for i in batch])) for s in pen.STYLES},
        "font": {
            f: accuracy(np.array([i.detail == f for i in batch]))
            for f in sorted({i.detail for i in batch if i.kind == "font"})
        },
    }
    return {
        "n": len(batch),
        "accuracy": round(float(correct.mean()), 4),
        "mistakes": int((~correct).sum()),
        "mistakes_uncertain": _share(uncertain, ~correct),
        "correct_uncertain": _share(uncertain, correct),
        "ece": round(expected_calibration_error(confidence, correct), 4),
        "by": by,
        "wrong": [
            {
                "kind": i.kind,
                "detail": i.detail,
                "encoding": i.encoding,
                "label": i.label,
                "said": int(s),
                "confidence": float(c),
                "uncertain": bool(u),
            }
            for i, s, c, u, ok in zip(batch, said, confidence, uncertain, correct, strict=True)
            if not ok
        ][:60],
    }
