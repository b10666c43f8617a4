"""Digits as people draw them in a browser: MNIST digits redrawn with a round constant-width pen, the
styles MNIST lacks, and handwriting fonts, as ink maps.

MNIST digits were written with a pen on paper and scanned; a browser canvas has a round brush of
one width, at any size, place and angle. `skeleton_strokes` thins an MNIST digit to its centre
lines, and `render` re-inks strokes with an anti-aliased round pen of a chosen width (ink =
how far inside the pen's radius a pixel lies). `STYLES` draws what MNIST under-represents: a 1
with a flag and a foot, a crossed 7, an open 4 and a closed 4, a 1 whose foot hooks to the right
(`--styles all`); `hollow` draws a font's digit as an outline font would (`--hollow-share`, off by
default); `lift_pen` leaves out a stretch of a digit's stroke, as when the pen is lifted (the numbers'
lifted digits; `--lift-share`, off by default).
`models.pendata` makes of them the extra training data of `models.train`; bench/pen.py draws the same kinds
in real Chromium to measure.
Needs scikit-image, SciPy and Pillow (training and benchmarks only, never the server).
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

Strokes = list[np.ndarray]  # polylines, each (K, 2) points (x, y) in a unit box, y down
GRID = 4  # skeletons are found on the MNIST digit enlarged 4 times
VERSION = 5  # of the generators below: part of the training-set cache key
HOLLOW_BODY = (0.02, 0.06)  # how far a hollow glyph is fattened before it is outlined, as a fraction of its height
HOLLOW_WIDTH = (0.015, 0.03)  # and the outline's width
LIFT_GAP = (0.04, 0.1)  # a digit drawn with the pen lifted: the radius of its missing stretch, in the unit box
PEN = (0.03, 0.2)  # a drawing's pen width, a share of the digit's height (random_pose): the pen benchmark's too
ANGLE = 15.0  # a drawing's largest turn either way, in degrees (random_pose): the pen benchmark's too


class _PenRange(argparse.Action):
    """`--pen LOW HIGH` -> (LOW, HIGH), refused unless 0 < LOW <= HIGH <= 1."""

    def __call__(self, parser, namespace, values, option_string=None):
        low, high = values
        if not 0 < low <= high <= 1:
            parser.error(f"{option_string} LOW HIGH: need 0 < LOW <= HIGH <= 1, got {low:g} {high:g}")
        setattr(namespace, self.dest, (low, high))


def pen_option(parser: argparse.ArgumentParser, default: tuple[float, float], share_of: str) -> None:
    """Add `--pen LOW HIGH` to a command line: the range of pen widths drawn, a share of `share_of` (the digit's
    or the line's height). Parsed as a tuple, so that it compares equal to `default`."""
    parser.add_argument(
        "--pen",
        type=float,
        nargs=2,
        default=tuple(default),
        action=_PenRange,
        metavar=("LOW", "HIGH"),
        help=f"the pen's width, a share of {share_of} (default: %(default)s)",
    )


def skeleton_strokes(digit: np.ndarray) -> Strokes:
    """A (28, 28) uint8 MNIST digit -> its centre lines, as 2-point segments between neighbouring skeleton pixels."""
    from skimage.morphology import skeletonize

    side = digit.shape[0] * GRID
    big = np.asarray(Image.fromarray(digit).resize((side, side), Image.Resampling.BILINEAR))
    skeleton = skeletonize(big > 110)
    ys, xs = np.nonzero(skeleton)
    pixels = set(zip(ys.tolist(), xs.tolist(), strict=True))
    strokes = []
    for y, x in pixels:
        linked = [(y + dy, x + dx) for dy, dx in ((0, 1), (1, -1), (1, 0), (1, 1)) if (y + dy, x + dx) in pixels]
        strokes += [np.array([[x, y], [nx, ny]], np.float32) / side for ny, nx in linked]
        if not linked:
            strokes.append(np.array([[x, y]], np.float32) / side)
    return strokes


# The styles MNIST under-represents, as strokes in a unit box: one template per style, jittered when drawn.
STYLES: dict[str, tuple[int, Strokes]] = {
    "1-flag-foot": (1, [np.array([[0.30, 0.30], [0.56, 0.10], [0.52, 0.90]]), np.array([[0.30, 0.90], [0.74, 0.90]])]),
    "1-flag": (1, [np.array([[0.34, 0.28], [0.56, 0.10], [0.52, 0.90]])]),
    "7-crossed": (7, [np.array([[0.25, 0.12], [0.76, 0.12], [0.42, 0.90]]), np.array([[0.36, 0.52], [0.72, 0.50]])]),
    "4-open": (4, [np.array([[0.36, 0.10], [0.24, 0.60], [0.80, 0.60]]), np.array([[0.64, 0.28], [0.64, 0.92]])]),
    "4-closed": (4, [np.array([[0.64, 0.92], [0.64, 0.10], [0.20, 0.64], [0.82, 0.64]])]),
    "1-hook": (1, [np.array([[0.46, 0.10], [0.45, 0.50], [0.45, 0.80], [0.50, 0.90], [0.60, 0.93], [0.72, 0.86]])]),
    "1-flag-hook": (1, [np.array([[0.32, 0.24], [0.50, 0.10], [0.47, 0.50], [0.46, 0.80], [0.51, 0.90], [0.61, 0.93],
                                  [0.72, 0.86]])]),
}  # fmt: skip
# Which styles a training run draws (`--styles`): "first", the five drawn since they came in, so that the commands
# of earlier checkpoints draw what they drew; "all", also the 1s whose foot hooks to the right (a 1 like an "l").
STYLE_SETS = {"first": tuple(list(STYLES)[:5]), "all": tuple(STYLES)}
STYLE_DRAWINGS = 1200  # drawings of each style in a training set


def style_strokes(style: str, rng: np.random.Generator) -> Strokes:
    """A style's template with every point moved a little and the whole slanted and squeezed at random."""
    _, template = STYLES[style]
    shear, squeeze = rng.uniform(-0.25, 0.25), rng.uniform(0.8, 1.2)
    out = []
    for stroke in template:
        pts = stroke + rng.normal(0, 0.025, stroke.shape)
        x = 0.5 + (pts[:, 0] - 0.5) * squeeze + shear * (pts[:, 1] - 0.5)
        out.append(np.stack([x, pts[:, 1]], 1).astype(np.float32))
    return out


@dataclass(frozen=True)
class Pose:
    """Where and how a digit lands on a square canvas: its height, the pen's width, a turn, its centre (px)."""

    canvas: int
    height: float
    pen: float
    angle: float  # degrees, counter-clockwise
    centre: tuple[float, float]


def random_pose(rng: np.random.Generator, canvas: int, height=(0.2, 0.85), pen=PEN, angle=ANGLE) -> Pose:
    """A random size (fraction of the canvas), pen width (fraction of the digit's height), turn and place."""
    h = canvas * rng.uniform(*height)
    w = max(1.5, h * math.exp(rng.uniform(math.log(pen[0]), math.log(pen[1]))))
    margin = h * 0.6 + w
    centre = tuple(float(rng.uniform(margin, canvas - margin)) if canvas > 2 * margin else canvas / 2 for _ in "xy")
    return Pose(canvas, h, w, float(rng.uniform(-angle, angle)), centre)


def place(strokes: Strokes, pose: Pose) -> Strokes:
    """Strokes from their unit box to canvas pixels: scaled to the pose's height, turned, centred."""
    points = np.concatenate(strokes)
    low, high = points.min(0), points.max(0)
    scale = pose.height / max(float(high[1] - low[1]), 1e-6)
    mid = (low + high) / 2
    turn = math.radians(pose.angle)
    rotation = np.array([[math.cos(turn), math.sin(turn)], [-math.sin(turn), math.cos(turn)]], np.float32)
    return [((s - mid) * scale) @ rotation + np.array(pose.centre, np.float32) for s in strokes]


def render(strokes: Strokes, pose: Pose) -> np.ndarray:
    """Strokes drawn with an anti-aliased round pen: an (canvas, canvas) uint8 ink map (255 = full ink)."""
    return ink(place(strokes, pose), pose.pen, (pose.canvas, pose.canvas))


def ink(strokes: Strokes, pen: float, size: tuple[int, int]) -> np.ndarray:
    """Strokes in canvas pixels inked with an anti-aliased round pen `pen` px wide on a (width, height) canvas:
    a uint8 ink map (ink = how far inside the pen's radius a pixel lies)."""
    from scipy import ndimage

    lines = Image.new("1", size, 0)
    draw = ImageDraw.Draw(lines)
    for stroke in strokes:
        points = [tuple(p) for p in stroke.tolist()]
        draw.line(points if len(points) > 1 else points * 2, fill=1, width=1)
    distance = ndimage.distance_transform_edt(~np.asarray(lines))
    return np.round(np.clip(pen / 2 + 0.5 - distance, 0, 1) * 255).astype(np.uint8)


def glyph(font: Path, digit: int, pose: Pose) -> np.ndarray:
    """A digit in a font (filled, its own stroke widths) at a pose's height, angle and place: a uint8 ink map."""
    size = max(8, round(pose.height * 1.4))
    face = ImageFont.truetype(str(font), size)
    left, top, right, bottom = face.getbbox(str(digit))
    mask = Image.new("L", (right - left + 4, bottom - top + 4), 0)
    ImageDraw.Draw(mask).text((2 - left, 2 - top), str(digit), font=face, fill=255)
    mask = mask.resize(
        (max(1, round(mask.width * pose.height / mask.height)), round(pose.height)), Image.Resampling.LANCZOS
    ).rotate(pose.angle, Image.Resampling.BILINEAR, expand=True)
    canvas = Image.new("L", (pose.canvas, pose.canvas), 0)
    canvas.paste(mask, (round(pose.centre[0] - mask.width / 2), round(pose.centre[1] - mask.height / 2)))
    return np.asarray(canvas)


def hollow(ink: np.ndarray, width: float, body: float = 0.0) -> np.ndarray:
    """A glyph as an outline font draws it: fattened by `body` px, then only its outline, `width` px wide, kept
    (the fattened ink less its grey erosion). Strokes thinner than twice the width stay as they were."""
    from scipy import ndimage

    if body >= 1:
        ink = ndimage.grey_dilation(ink, footprint=_disc(round(body)))
    eroded = ndimage.grey_erosion(ink, footprint=_disc(max(1, round(width))))
    return np.subtract(ink, eroded, dtype=np.int16).clip(0, 255).astype(np.uint8)


def _disc(radius: int) -> np.ndarray:
    """A round pen's footprint."""
    ys, xs = np.mgrid[-radius : radius + 1, -radius : radius + 1]
    return ys**2 + xs**2 <= radius**2 + radius


def pieces(strokes: Strokes) -> int:
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


def lift_pen(strokes: Strokes, rng: np.random.Generator, gap: float) -> Strokes | None:
    """The digit with its stroke interrupted around one point, so that it falls into 2+ sizeable pieces; None
    when no try of ten does that (a 1, say). `gap` is the missing stretch's radius, in the unit box."""
    points = np.concatenate(strokes)
    for _ in range(10):
        centre = points[rng.integers(len(points))]
        kept = [s for s in strokes if np.linalg.norm(s - centre, axis=1).min() > gap]
        if len(kept) > 0.7 * len(strokes) and pieces(kept) >= 2:
            return kept
    return None
