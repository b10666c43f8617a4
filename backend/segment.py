"""A drawn number -> its digits' ink, in reading order. Pure numpy: no Flask, no torch, no SciPy.

API clients send pixels, not strokes, so the digits are found in the ink alone, on a copy of the
drawing scaled to WORK_HEIGHT px tall (ample for a 20 px digit box, and cheap):
1. Connected pieces of ink (8-connected); specks dropped. Pieces of one digit are joined where the
   evidence is plain: they overlap horizontally (a 4 or a 5 drawn with the pen lifted), or one is much
   shorter than the line and close to a neighbour (a bar, a flag, a dot).
2. A group may be digits that touch. `several` decides from its width (against the line's height and
   the drawing's other digits), how thin its narrowest neck is, and how sure the classifier is of it
   whole -- a logistic rule fitted on drawn numbers. Such a group is cut at the valleys of its
   vertical ink profile, and the cut whose least sure part the classifier is surest of wins.
3. Left to right by the groups' horizontal centres, which reads a line whose baseline wanders.
Each digit keeps only its own pixels, so a neighbour's stroke reaching into its box is not read; a
drawing that is one group is read exactly as /predict reads it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image

from models.recipe import MIN_PEAK, PreprocessError

WORK_HEIGHT = 96  # px: the drawing's height where digits are found
INK_LEVEL = 0.2  # of the peak ink: what counts as ink when finding pieces
MIN_PIECE = 0.03  # a piece with less ink than this share of the largest piece is a speck
MERGE_OVERLAP = 0.5  # pieces overlapping horizontally by this share of the narrower one are one digit,
MERGE_TALL = 0.8  # or this share when both are nearly as tall as the line (neighbours leaning into each other)
TALL = 0.75  # (of the line's height)
SHORT = 0.45  # a piece shorter than this share of the line's height joins its nearest neighbour...
NEAR = 0.3  # ...when the horizontal gap between them is under this share of the line's height
NARROW = 0.5  # a group narrower than this times the line's height is one digit
DEEP = 0.45  # a neck: where a group's ink profile falls under this share of its median
WIDE_DEFAULT = 0.7  # a digit's usual width, in line heights, when the drawing has no other digit to compare
# several(): bias, width/height, neck, log(1 - surest), log(width / usual), has-usual -- fitted by
# python -m bench.fit_split (class-balanced), then the bias lowered by 2.5, the best whole-number accuracy on
# those drawings: a single digit cut in two spoils a number as surely as two touching digits read as one, and
# single digits are ten times as common
SPLIT_W = (-1.43, 4.595, -1.466, 0.789, 1.135, -1.035)


@dataclass
class Digit:
    """One digit's ink (its own pixels only, original resolution) and its box (x, y, w, h) in the original."""

    ink: np.ndarray
    box: tuple[int, int, int, int]


class Drawing:
    """A drawing and its working copy: the ink scaled to WORK_HEIGHT px tall, where digits are found."""

    def __init__(self, ink: np.ndarray):
        peak = int(ink.max(initial=0))
        if peak < MIN_PEAK:
            raise PreprocessError("empty_image", "the image is empty: draw a number first")
        mask = ink > peak // 10
        rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
        self.original = ink
        self.left, self.top = int(cols[0]), int(rows[0])
        crop = np.ascontiguousarray(ink[self.top : rows[-1] + 1, self.left : cols[-1] + 1])
        self.scale = min(1.0, WORK_HEIGHT / crop.shape[0])
        size = (max(1, round(crop.shape[1] * self.scale)), max(1, round(crop.shape[0] * self.scale)))
        self.ink = np.asarray(Image.fromarray(crop).resize(size, Image.Resampling.BOX))

    def digit(self, mask: np.ndarray) -> Digit:
        """The original ink under `mask` (a working-copy mask, grown by a pixel for the anti-aliased edge)."""
        grown = mask.copy()
        grown[1:] |= mask[:-1]
        grown[:-1] |= mask[1:]
        grown[:, 1:] |= grown[:, :-1]
        grown[:, :-1] |= grown[:, 1:]
        rows, cols = np.flatnonzero(grown.any(1)), np.flatnonzero(grown.any(0))
        y0, x0 = self.top + int(rows[0] / self.scale), self.left + int(cols[0] / self.scale)
        y1 = min(self.original.shape[0], self.top + int(np.ceil((rows[-1] + 1) / self.scale)))
        x1 = min(self.original.shape[1], self.left + int(np.ceil((cols[-1] + 1) / self.scale)))
        ys = np.minimum(((np.arange(y0, y1) - self.top) * self.scale).astype(int), grown.shape[0] - 1)
        xs = np.minimum(((np.arange(x0, x1) - self.left) * self.scale).astype(int), grown.shape[1] - 1)
        ink = np.where(grown[ys[:, None], xs[None, :]], self.original[y0:y1, x0:x1], 0).astype(np.uint8)
        return Digit(ink, (x0, y0, x1 - x0, y1 - y0))

    def whole(self) -> Digit:
        """The drawing itself, as one digit (what /predict reads)."""
        height, width = self.ink.shape
        return Digit(self.original, (self.left, self.top, round(width / self.scale), round(height / self.scale)))


def label(binary: np.ndarray) -> tuple[np.ndarray, int]:
    """8-connected labels 1..n of a bool image, by union-find over its row runs (a few hundred for a number)."""
    height, width = binary.shape
    padded = np.zeros((height, width + 2), np.int8)
    padded[:, 1:-1] = binary
    edges = np.diff(padded, axis=1)
    run_rows, starts = np.nonzero(edges == 1)
    ends = np.nonzero(edges == -1)[1]  # exclusive; same order as the starts (row-major)
    parent = list(range(len(run_rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first = np.searchsorted(run_rows, np.arange(height + 1)).tolist()
    starts_l, ends_l = starts.tolist(), ends.tolist()
    for row in range(1, height):
        for i in range(first[row], first[row + 1]):
            for j in range(first[row - 1], first[row]):  # 8-connected: one pixel of slack either side
                if starts_l[j] <= ends_l[i] and starts_l[i] <= ends_l[j]:
                    a, b = find(i), find(j)
                    if a != b:
                        parent[a] = b
    _, ids = np.unique([find(i) for i in range(len(parent))], return_inverse=True)
    labels = np.zeros((height, width), np.int32)
    for r, s, e, k in zip(run_rows.tolist(), starts_l, ends_l, ids.tolist(), strict=True):
        labels[r, s:e] = k + 1
    return labels, len(np.unique(ids)) if len(ids) else 0


def _x_range(mask: np.ndarray) -> tuple[int, int]:
    cols = np.flatnonzero(mask.any(0))
    return int(cols[0]), int(cols[-1]) + 1


def _height(mask: np.ndarray) -> int:
    rows = np.flatnonzero(mask.any(1))
    return int(rows[-1] - rows[0] + 1)


def _gap(a: np.ndarray, b: np.ndarray) -> int:
    (a0, a1), (b0, b1) = _x_range(a), _x_range(b)
    return max(0, max(a0, b0) - min(a1, b1))


def line_height(masks: list[np.ndarray]) -> float:
    """The height of the line's digits: the median height of the pieces at least half as tall as the tallest."""
    heights = [_height(m) for m in masks]
    return float(np.median([h for h in heights if h >= 0.5 * max(heights)]))


def groups(drawing: Drawing, max_digits: int) -> list[np.ndarray]:
    """Masks of the drawing's pieces, specks dropped and plain pieces of one digit joined, left to right."""
    labels, count = label(drawing.ink > INK_LEVEL * drawing.ink.max())
    if count > 8 * max_digits:  # scattered marks, not digits: refused before any per-piece work
        raise PreprocessError(
            "too_many_digits", f"the image holds {count} separate marks; at most {max_digits} digits are read"
        )
    weight = np.bincount(labels.ravel(), weights=drawing.ink.ravel().astype(np.float64), minlength=count + 1)[1:]
    masks = [labels == k + 1 for k in range(count) if weight[k] >= MIN_PIECE * weight.max()]
    height = line_height(masks)
    tall = [m for m in masks if _height(m) >= SHORT * height]
    for piece in (m for m in masks if _height(m) < SHORT * height):  # a bar, a flag, a dot: to its neighbour
        gaps = [_gap(piece, m) for m in tall]
        if tall and min(gaps) <= NEAR * height:
            k = int(np.argmin(gaps))
            tall[k] = tall[k] | piece
        else:
            tall.append(piece)
    tall.sort(key=lambda m: _x_range(m)[0])
    i = 0
    while i < len(tall):  # one digit drawn in several strokes: pieces that overlap horizontally
        for j in range(i + 1, len(tall)):
            (a0, a1), (b0, b1) = _x_range(tall[i]), _x_range(tall[j])
            both_tall = min(_height(tall[i]), _height(tall[j])) >= TALL * height  # two slanted digits side by side
            if min(a1, b1) - max(a0, b0) >= (MERGE_TALL if both_tall else MERGE_OVERLAP) * min(a1 - a0, b1 - b0):
                tall[i] = tall[i] | tall.pop(j)
                break
        else:
            i += 1
    tall.sort(key=lambda m: sum(_x_range(m)))
    if len(tall) > 2 * max_digits:
        raise PreprocessError("too_many_digits", f"the image holds {len(tall)} digits; at most {max_digits} are read")
    return tall


def valleys(drawing: Drawing, mask: np.ndarray, height: float, most: int, deep: bool) -> list[int]:
    """Up to `most` columns where a group is thinnest: the middle of each valley of its ink profile. With
    `deep`, only necks (where the profile falls under DEEP of its median): a wide 0, 2 or 3 is crossed by
    two or three strokes throughout, two digits that touch at a point are not."""
    cols = np.flatnonzero(mask.any(0))
    width = int(cols[-1] - cols[0] + 1)
    profile = np.where(mask, drawing.ink, 0).sum(0).astype(np.float64)[cols[0] : cols[-1] + 1]
    smooth = np.convolve(profile, np.ones(3) / 3, mode="same")
    margin = max(2, int(0.2 * height))
    limit = DEEP * float(np.median(smooth[smooth > 0])) if deep else np.inf
    found: list[int] = []
    for x in sorted(range(margin, width - margin), key=lambda c: smooth[c]):  # the thinnest places first
        if len(found) == most or smooth[x] > limit:
            break
        left, right = x, x  # the middle of the valley x lies in (a bar joining two digits is flat)
        while left > margin and smooth[left - 1] <= smooth[x] * 1.15 + 1:
            left -= 1
        while right < width - margin - 1 and smooth[right + 1] <= smooth[x] * 1.15 + 1:
            right += 1
        middle = (left + right) // 2
        if all(abs(middle - f) >= margin for f in found):
            found.append(middle)
    return sorted(int(cols[0]) + f for f in found)


def digit_width(masks: list[np.ndarray], height: float, skip: int | None = None) -> float | None:
    """A digit's usual width in this drawing: the median of its other groups that are not thin (not 1s);
    None when there are none."""
    widths = [b - a for k, (a, b) in enumerate(map(_x_range, masks)) if k != skip and b - a > 0.4 * height]
    return float(np.median(widths)) if widths else None


def _neck(drawing: Drawing, mask: np.ndarray, height: float) -> float:
    """How thin the group is at its thinnest inner column, over its median column (1: no neck at all)."""
    cols = np.flatnonzero(mask.any(0))
    profile = np.where(mask, drawing.ink, 0).sum(0).astype(np.float64)[cols[0] : cols[-1] + 1]
    smooth = np.convolve(profile, np.ones(3) / 3, mode="same")
    margin = max(2, int(0.2 * height))
    inner = smooth[margin : len(smooth) - margin]
    return float(inner.min() / np.median(smooth[smooth > 0])) if len(inner) else 1.0


def split_features(drawing: Drawing, masks: list[np.ndarray], k: int, height: float, surest: float) -> np.ndarray:
    """What `several` weighs for group k: [1, width / line height, neck, log(1 - surest whole answer),
    log(width / the drawing's usual digit), whether there is a usual digit to compare]."""
    x0, x1 = _x_range(masks[k])
    usual = digit_width(masks, height, skip=k)
    return np.array([1.0, (x1 - x0) / height, _neck(drawing, masks[k], height), np.log(max(1.0 - surest, 1e-4)),
                     np.log((x1 - x0) / usual) if usual else 0.0, 1.0 if usual else 0.0])  # fmt: skip


def several(features: np.ndarray) -> bool:
    """Whether a group is digits that touch rather than one wide digit: a logistic rule (SPLIT_W), fitted on
    drawn numbers that are not the benchmark's (python -m bench.fit_split)."""
    return bool(features @ np.asarray(SPLIT_W) > 0)


def _parts(mask: np.ndarray, cuts: list[int]) -> list[np.ndarray]:
    columns = np.arange(mask.shape[1])[None, :]
    edges = [0, *sorted(cuts), mask.shape[1]]
    return [mask & (columns >= a) & (columns < b) for a, b in zip(edges, edges[1:], strict=False)]


def readings(drawing: Drawing, mask: np.ndarray, height: float, usual: float | None) -> list[list[np.ndarray]]:
    """Ways to cut a group into touching digits: 2 parts at each of its valleys, 3 where it is very wide."""
    x0, x1 = _x_range(mask)
    width = x1 - x0
    count = 3 if width / (usual or WIDE_DEFAULT * height) > 2.6 else 2
    cuts = valleys(drawing, mask, height, most=4, deep=False)
    options = [[c] for c in cuts] if count == 2 else [[a, b] for a in cuts for b in cuts if b - a > 0.35 * height]
    total = mask.sum()
    cut_up = [_parts(mask, cut) for cut in options]
    return [parts for parts in cut_up if all(p.sum() >= 0.1 * total for p in parts)]  # no slivers as digits


def read(
    ink: np.ndarray, classify: Callable[[list[np.ndarray]], np.ndarray], max_digits: int
) -> list[tuple[Digit, np.ndarray]]:
    """A number's ink map -> (digit, probabilities) for each digit, left to right.

    `classify` turns a list of ink maps into (N, classes) probabilities; it is called twice at most: for
    the groups, then for the cuts of those that are digits touching."""
    drawing = Drawing(ink)
    masks = groups(drawing, max_digits)
    height = line_height(masks)
    whole = [drawing.whole()] if len(masks) == 1 else [drawing.digit(m) for m in masks]  # one group: /predict's
    probs = classify([d.ink for d in whole])
    chosen: list[list[tuple[Digit, np.ndarray]]] = [[(d, p)] for d, p in zip(whole, probs, strict=True)]
    candidates = []
    for k, mask in enumerate(masks):
        x0, x1 = _x_range(mask)
        if x1 - x0 > NARROW * height and several(split_features(drawing, masks, k, height, float(probs[k].max()))):
            usual = digit_width(masks, height, skip=k)
            candidates += [(k, [drawing.digit(p) for p in parts]) for parts in readings(drawing, mask, height, usual)]
    if candidates:
        flat = [d for _, parts in candidates for d in parts]
        cut_probs = classify([d.ink for d in flat])
        best: dict[int, tuple[float, list]] = {}
        i = 0
        for k, parts in candidates:  # the cut whose least sure part is surest
            p = cut_probs[i : i + len(parts)]
            i += len(parts)
            if float(p.max(1).min()) > best.get(k, (-1.0, None))[0]:
                best[k] = (float(p.max(1).min()), list(zip(parts, p, strict=True)))
        for k, (_, parts) in best.items():
            chosen[k] = parts
    out = [pair for group in chosen for pair in group]
    if len(out) > max_digits:
        raise PreprocessError("too_many_digits", f"the image holds {len(out)} digits; at most {max_digits} are read")
    return out
