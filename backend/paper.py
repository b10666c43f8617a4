"""A sheet of paper in a photo: where it lies, so that the writing on it is read and nothing of the table.

A photo of digits on paper lying on a darker table has the table as its border, so the luminance ink
(`decode.luminance_ink`) reads the whole sheet as light ink on a dark background: one block, or, in a
number, a row of narrow slices. Only photos are searched (a border that is not one value): a drawing is
read as before, at no cost. Here the sheet is found: the largest light piece, with the writing's
holes in it filled, if it is a rectangle (at any angle) and holds some writing. `decode` then reads the
ink again on the sheet alone (dark marks against the paper's own median and noise), less a margin at
its edge, where the paper's blurred rim would read as a frame of ink. Pure numpy: no Flask.
"""

from __future__ import annotations

import numpy as np

from backend.components import extent, label

MIN_SHARE = 0.1  # of the image: a smaller light piece is no sheet
MIN_SOLIDITY = 0.75  # of the filled sheet: the paper itself (a digit's strokes fill far less of their outline)
MIN_WRITING = 0.002  # of the filled sheet: the holes (the writing) a sheet must hold; a bare white card is no sheet
MIN_RECT_FILL = 0.9  # of the least rectangle around it, at any angle: a sheet fills it (an ellipse fills 0.79)
ANGLES = np.deg2rad(np.arange(0, 90, 2))  # the rectangles tried, 2 degrees apart (a sheet then fills 0.95 or more)
EDGE = 0.02  # of the sheet's shorter side (at least MIN_EDGE px of the pixels looked at): the rim left unread
MIN_EDGE = 3
SIDE = 400  # px: the most pixels looked at along an image's longer side


def _filled(piece: np.ndarray) -> np.ndarray:
    """A bool piece with its holes filled: everything that the outside (what reaches the image's edge) does not."""
    labels, _ = label(~piece)
    edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    return ~np.isin(labels, edge[edge > 0])


def rect_fill(region: np.ndarray) -> float:
    """How much of the least rectangle around a bool region (at any angle, 2 degrees apart) the region fills.
    The rectangle is found from each row's two ends, which hold every corner of the region's convex hull."""
    rows = np.flatnonzero(region.any(1))
    inside = region[rows]
    left = inside.argmax(1)
    right = region.shape[1] - inside[:, ::-1].argmax(1)  # exclusive
    ys = np.concatenate([rows, rows, rows + 1, rows + 1]).astype(np.float64)  # each end pixel's corners
    xs = np.concatenate([left, right, left, right]).astype(np.float64)
    cos, sin = np.cos(ANGLES)[:, None], np.sin(ANGLES)[:, None]
    u, v = xs * cos + ys * sin, ys * cos - xs * sin  # (angles, points)
    areas = (u.max(1) - u.min(1)) * (v.max(1) - v.min(1))
    return float(np.count_nonzero(region) / areas.min())


def _near(mask: np.ndarray, r: int) -> np.ndarray:
    """Whether each pixel lies within r px (a square) of a True pixel of `mask`: two running sums."""
    out = mask
    for axis in (0, 1):
        n = out.shape[axis]
        sums = np.cumsum(out, axis=axis, dtype=np.int32)
        sums = np.concatenate([np.zeros_like(np.take(sums, [0], axis)), sums], axis=axis)
        idx = np.arange(n)
        out = np.take(sums, np.minimum(idx + r + 1, n), axis) - np.take(sums, np.maximum(idx - r, 0), axis) > 0
    return out


def otsu(gray: np.ndarray) -> int:
    """Otsu's threshold of a uint8 image: the level that best splits its histogram in two (dark: <= the level)."""
    counts = np.bincount(gray.ravel(), minlength=256).astype(np.float64)
    dark = np.cumsum(counts)[:-1]
    light = gray.size - dark
    mass = np.cumsum(counts * np.arange(256))[:-1]
    total = mass[-1] + 255 * counts[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (mass * gray.size - total * dark) ** 2 / (dark * light)
    return int(np.nanargmax(np.where(light > 0, between, np.nan)))


def sheet(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Where a sheet of paper lies in a photo whose border is dark (`gray`, (H, W) uint8 luminance): (some of
    the paper's own pixels, as values; the sheet with its writing, less its rim, as a bool mask), or None when
    it holds no sheet. The paper is what is lighter than Otsu's threshold, which keeps a sheet whole under uneven
    light. It is looked for in every k-th pixel of every k-th row (at most SIDE of them along the longer side),
    which bounds the work whatever the image's size and keeps the sensor's noise in the pixels read."""
    k = -(-max(gray.shape) // SIDE)
    small = gray[::k, ::k]
    light = small > otsu(small)
    if np.count_nonzero(light) < MIN_SHARE * light.size:
        return None
    labels, count = label(light)
    sizes = np.bincount(labels.ravel(), minlength=count + 1)
    sizes[0] = 0
    biggest = int(sizes.argmax())
    if sizes[biggest] < MIN_SHARE * light.size:
        return None
    paper = labels == biggest
    region = _filled(paper)
    area = np.count_nonzero(region)
    if sizes[biggest] < MIN_SOLIDITY * area or area - sizes[biggest] < MIN_WRITING * area:
        return None
    if rect_fill(region) < MIN_RECT_FILL:
        return None
    top, bottom, left, right = extent(region)
    rim = max(MIN_EDGE, round(EDGE * min(bottom - top, right - left)))
    inner = region & ~_near(~region, rim)
    whole = np.repeat(np.repeat(inner, k, axis=0), k, axis=1)[: gray.shape[0], : gray.shape[1]]
    return small[paper], whole
