"""Connected pieces of a bool image (8-connected), in numpy alone: the number reader's first step (`segment`);
and the extent of what an image holds.

SciPy's `ndimage.label` would do it, but the server does not ship SciPy; this gives the same labels
(`tests/backend/test_components.py` compares them).
"""

from __future__ import annotations

import numpy as np


def label(binary: np.ndarray) -> tuple[np.ndarray, int]:
    """8-connected labels 1..n of a bool image, numbered in raster order of their first pixel.

    Over its row runs (a few hundred for a number), in numpy throughout: the runs of each row touching runs of
    the row above (one pixel of slack either side) are edges, and every run takes the least run index of its
    piece: each round hangs every tree under the least root an edge leads to, then points every run straight at
    its root (a few rounds, where spreading the least index one edge a round took dozens)."""
    height, width = binary.shape
    padded = np.zeros((height, width + 2), np.int8)
    padded[:, 1:-1] = binary
    edges = np.diff(padded, axis=1)
    rows, starts = np.nonzero(edges == 1)
    ends = np.nonzero(edges == -1)[1]  # exclusive; same order as the starts (row-major)
    labels = np.zeros((height, width), np.int32)
    if not len(rows):
        return labels, 0
    stride = width + 3  # runs as positions on one line, row after row: a row's touching runs are one range
    first = np.searchsorted(rows * stride + ends, (rows - 1) * stride + starts, side="left")
    count = np.maximum(np.searchsorted(rows * stride + starts, (rows - 1) * stride + ends, side="right") - first, 0)
    a = np.repeat(np.arange(len(rows)), count)
    b = np.repeat(first - np.cumsum(count) + count, count) + np.arange(len(a))
    root = np.arange(len(rows))  # each run's root: a run of its piece with a lower index, or itself
    while True:
        ra, rb = root[a], root[b]
        split = ra != rb  # edges between two trees
        if not split.any():
            break
        np.minimum.at(root, np.maximum(ra, rb)[split], np.minimum(ra, rb)[split])  # a tree under the least it touches
        while not np.array_equal(jumped := root[root], root):  # every run straight to its tree's root
            root = jumped
    _, ids = np.unique(root, return_inverse=True)
    steps = np.zeros((height, width + 1), np.int32)  # +id where a run starts, -id where it ends: a row's cumsum
    np.add.at(steps, (rows, starts), ids + 1)
    np.add.at(steps, (rows, ends), -(ids + 1))
    labels[:] = np.cumsum(steps, axis=1)[:, :width]
    return labels, int(ids.max()) + 1


def extent(image: np.ndarray) -> tuple[int, int, int, int]:
    """The box of an image's nonzero pixels (there must be one): top, bottom, left, right, the ends exclusive."""
    rows, cols = np.flatnonzero(image.any(1)), np.flatnonzero(image.any(0))
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
