"""The light in a photo of writing: its ground's own brightness at each pixel (paper, or a blackboard), and the
camera's noise.

A phone's photo of a digit on paper is lit unevenly (a lamp to one side, the phone's shadow), so the paper
is 230 in one corner and 110 in another, and a pencil stroke at 90 is darker than the paper around it but
lighter than the paper elsewhere. One background level for the whole photo cannot tell them apart; the
paper's level where each pixel lies can: the photo shrunk by area averaging (which also averages its noise
away), each cell brought up to the brightest within a window wider than any stroke and back down
(a closing, which removes the writing and keeps a gradient as it was), then enlarged again. Chalk on a
blackboard the other way round (an opening). Pure numpy and Pillow: no Flask.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

CELLS = 64  # cells along the photo's shorter side when its ground's level is measured
WINDOW = 0.25  # of the shorter side: the closing's (or opening's) window, wider than any stroke that is to stay ink
ROWS = 256  # rows of a photo read at a time
GAUSSIAN_MAD = 0.954  # the median of |a - b| for two independent samples of unit Gaussian noise (0.6745 x sqrt 2)


def noise_sigma(border: np.ndarray) -> float:
    """The camera's noise, as a Gaussian sigma, from the differences of neighbouring pixels along the border:
    a gradient of light, which the border's spread around its median also holds, cancels out of them."""
    return float(np.median(np.abs(np.diff(border.astype(np.int16))))) / GAUSSIAN_MAD


def _slide(cells: np.ndarray, reach: int, pick) -> np.ndarray:
    """Each cell replaced by `pick` (np.maximum or np.minimum) of the cells within `reach` of it (a square), the
    cells past the edge continuing its gradient (so that a closing keeps a gradient up to the edge)."""
    for axis in (0, 1):
        n = cells.shape[axis]
        edge = [(0, 0), (0, 0)]
        edge[axis] = (reach, reach)
        padded = np.pad(cells, edge, mode="reflect", reflect_type="odd")  # a gradient goes on past the edge
        out = np.take(padded, range(0, n), axis)
        for k in range(1, 2 * reach + 1):
            out = pick(out, np.take(padded, range(k, k + n), axis))
        cells = out
    return cells


def ground_level(gray: np.ndarray, light: bool = True) -> np.ndarray:
    """(H, W) uint8 luminance of marks on a ground -> (H, W) uint8: the ground's brightness at each pixel. For a
    light ground (paper, dark writing) a closing: each cell up to the brightest around it, then back down; for a
    dark one (a blackboard, chalk) an opening, the other way round."""
    height, width = gray.shape
    scale = CELLS / min(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    cells = np.asarray(Image.fromarray(gray).resize(size, Image.Resampling.BOX), np.float32)
    reach = max(1, round(WINDOW * CELLS / 2))
    first, then = (np.maximum, np.minimum) if light else (np.minimum, np.maximum)
    level = np.clip(np.round(_slide(_slide(cells, reach, first), reach, then)), 0, 255).astype(np.uint8)
    return np.asarray(Image.fromarray(level).resize((width, height), Image.Resampling.BILINEAR))


def ink(gray: np.ndarray, level: np.ndarray, floor: float, dark: bool = True) -> np.ndarray:
    """How far each pixel departs from the ground's `level` there (both (H, W) uint8), darker for `dark` marks and
    lighter otherwise, less a noise `floor`, as a share of the way from that level to black (or white): (H, W)
    uint8, 255 = full ink. By a table of every (level, pixel) pair, so that a 16-megapixel photo needs no float
    copy of itself."""
    levels, pixels = np.arange(256, dtype=np.float32)[:, None], np.arange(256, dtype=np.float32)
    if dark:
        room = np.maximum(levels - floor, 1.0)
        share = (room - pixels) / room
    else:
        room = np.maximum(255 - levels - floor, 1.0)
        share = (pixels - levels - floor) / room
    table = np.round(np.clip(share, 0, 1) * 255).astype(np.uint8).ravel()
    out = np.empty_like(gray)
    for top in range(0, gray.shape[0], ROWS):  # a band of rows at a time: its (level, pixel) index is 2 bytes a pixel
        index = level[top : top + ROWS].astype(np.uint16) << 8
        index |= gray[top : top + ROWS]
        table.take(index, out=out[top : top + ROWS])
    return out
