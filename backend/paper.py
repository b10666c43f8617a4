"""A sheet of paper in a photo: where it lies, so that the writing on it is read and nothing of the table.

A photo of digits on paper lying on a darker table has the table as its border, so the luminance ink
(`decode.luminance_ink`) reads the whole sheet as light ink on a dark background: one block, or, in a
number, a row of narrow slices. Only photos are searched (a border that is not one value): a drawing is
read as before, at no cost. The sheet is the largest piece of what is lighter than the table, with the
holes in it (the writing) filled, if it covers a tenth of the photo and fills the least rectangle around
it at any angle (a digit's outline does not; a thick bar of chalk does, but is long, thin and holds no
writing). `decode` then reads the writing on the sheet alone, less a margin at its edge, where the
paper's blurred rim would read as a frame of ink. Pure numpy: no Flask.
"""

from __future__ import annotations

import numpy as np

from backend.components import extent, label

TABLE_SIGMAS = 3  # a pixel this many of the table's sigmas lighter than the table may be paper
MIN_STEP = 8  # levels: and at least this much lighter (a JPEG's table can be one flat value)
MIN_SHARE = 0.1  # of the image: a smaller light piece is no sheet
MIN_SOLIDITY = 0.3  # of the filled sheet: at least this much of it is paper, not writing
MIN_RECT_FILL = 0.92  # of the least rectangle around it, at any angle: a sheet fills it (0.95 and more)
MAX_ASPECT = 3.0  # that rectangle's length over its width: a longer one with no writing is a stroke (a thick 1)
MIN_WRITING = 0.002  # of the sheet: the writing a long strip of paper holds ...
WRITING_STEP = 0.25  # ... its pixels this share of the way from the paper's median down to the table, or darker
ANGLES = np.deg2rad(np.arange(0, 90, 2))  # the rectangles tried, 2 degrees apart (a sheet then fills 0.95 or more)
EDGE = 0.02  # of the sheet's shorter side (at least MIN_EDGE px of the pixels looked at): the rim left unread
MIN_EDGE = 3
SIDE = 400  # px: the most pixels looked at along an image's longer side


def _filled(mask: np.ndarray) -> np.ndarray:
    """A bool mask with its holes filled: everything but the part of its outside that reaches the image's edge."""
    labels, _ = label(~mask)
    edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    return ~np.isin(labels, edge[edge > 0])


def least_rectangle(region: np.ndarray) -> tuple[float, float]:
    """The least rectangle around a bool region, at any angle (2 degrees apart): (the share of it the region
    fills, its length over its width). Found from each row's two ends, which hold every corner of the region's
    convex hull."""
    rows = np.flatnonzero(region.any(1))
    inside = region[rows]
    left = inside.argmax(1)
    right = region.shape[1] - inside[:, ::-1].argmax(1)  # exclusive
    ys = np.concatenate([rows, rows, rows + 1, rows + 1]).astype(np.float64)  # each end pixel's corners
    xs = np.concatenate([left, right, left, right]).astype(np.float64)
    cos, sin = np.cos(ANGLES)[:, None], np.sin(ANGLES)[:, None]
    u, v = xs * cos + ys * sin, ys * cos - xs * sin  # (angles, points)
    sides = np.stack([u.max(1) - u.min(1), v.max(1) - v.min(1)])  # (2, angles)
    length, width = sorted(sides[:, int(sides.prod(0).argmin())], reverse=True)
    return float(np.count_nonzero(region) / (length * width)), float(length / width)


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


def _written(inside: np.ndarray, table: float) -> bool:
    """Whether a sheet's pixels (within its rim) hold writing: some a quarter of the way from the paper's median
    down to the table, or darker (a light pencil too, which may be lighter than the table's threshold)."""
    if not inside.size:
        return False
    level = np.median(inside)
    return np.count_nonzero(inside < level - WRITING_STEP * (level - table)) >= MIN_WRITING * inside.size


def sheet(gray: np.ndarray, border: np.ndarray) -> np.ndarray | None:
    """Where a sheet of paper lies in a photo of a dark table (`gray`, (H, W) uint8 luminance; `border`: its
    border's pixels, the table's): a bool mask of the sheet with its writing, less its rim; None when there is
    no sheet. It is looked for in every k-th pixel of every k-th row (at most SIDE of them along the longer
    side), which bounds the work whatever the image's size."""
    table = np.median(border)
    spread = np.median(np.abs(border - table)) * 1.4826  # the table's own sigma: its noise, grain and light
    k = -(-max(gray.shape) // SIDE)
    small = gray[::k, ::k]
    light = small > table + max(TABLE_SIGMAS * spread, MIN_STEP)
    if np.count_nonzero(light) < MIN_SHARE * light.size:
        return None
    labels, count = label(_filled(light))  # the writing inside the sheet filled in
    sizes = np.bincount(labels.ravel(), minlength=count + 1)
    sizes[0] = 0
    biggest = int(sizes.argmax())
    if sizes[biggest] < MIN_SHARE * light.size:
        return None
    region = labels == biggest
    if np.count_nonzero(light & region) < MIN_SOLIDITY * sizes[biggest]:
        return None
    fill, aspect = least_rectangle(region)
    if fill < MIN_RECT_FILL:
        return None
    top, bottom, left, right = extent(region)
    rim = max(MIN_EDGE, round(EDGE * min(bottom - top, right - left)))
    inner = region & ~_near(~region, rim)
    if aspect > MAX_ASPECT and not _written(small[inner], table):
        return None  # a long rectangle with nothing written on it: a thick bar of chalk
    return np.repeat(np.repeat(inner, k, axis=0), k, axis=1)[: gray.shape[0], : gray.shape[1]]
