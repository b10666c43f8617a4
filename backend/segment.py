"""A drawn number -> its digits' ink, in reading order. Pure numpy: no Flask, no torch, no SciPy.

API clients send pixels, not strokes, so the digits are found in the ink alone, on a copy of the
drawing scaled to WORK_HEIGHT px tall (ample for a 20 px digit box, and cheap):
1. Connected pieces of ink (8-connected); specks dropped. Pieces of one digit are joined where the
   evidence is plain: they overlap horizontally (a 4 or a 5 drawn with the pen lifted), or one is much
   shorter than the line and close to a neighbour (a bar, a flag, a dot). Neighbours close together are
   also joined when the pair reader (below), reading them as one, is sure they are one digit.
2. A group wider than half the line's height may be two digits that touch: the pair reader
   (`models.pairs`, a network that reads a group whole) says whether it is, and which two. Such a
   group is cut at the valley of its vertical ink profile where the classifier best agrees with
   that reading, for each digit's box and 28x28 input; the cut stands only if the two readings
   together (the pair reader's P(two) and its confidence in each of the two digits, times the
   classifier's confidence in each part) beat the reading as one digit (P(one) times the
   classifier's confidence in the whole group): a 0 with a stroke inside it, a 9 whose stem was
   drawn apart, or an open 0 the pair reader half takes for a 0 and a 1, stays one digit.
3. Each digit of a number of several groups is read by both networks, its probabilities their mean:
   the pair reader was trained on digits drawn with the pen lifted as well, and two readers err less
   than one. A drawing that is one group, not read as two, is read exactly as /predict reads it.
4. Left to right by the groups' horizontal centres, which reads a line whose baseline wanders. A line that
   slopes as a whole (3 pieces or more whose centres rise or fall by MIN_SLOPE degrees or more) is turned level
   first (`backend.level`), and each digit's box turned back onto the drawing as sent.
Each digit keeps only its own pixels, so a neighbour's stroke reaching into its box is not read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image

from backend import level
from backend.components import extent, label
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
TWO = 0.5  # the pair reader's probability above which a group is read as two touching digits
ONE = 0.2  # ...and below which two neighbouring groups are one digit
READER = 0.5  # a digit of a number (of several groups): the pair reader's weight in its probabilities


@dataclass(frozen=True, eq=False)  # eq=False: a mask has no single truth value to compare by
class Group:
    """Ink read as one digit, or two touching: its mask on the working copy and the mask's bounds, found once."""

    mask: np.ndarray  # bool, the working copy's shape
    top: int
    bottom: int  # exclusive
    left: int
    right: int  # exclusive

    @classmethod
    def of(cls, mask: np.ndarray) -> Group:
        return cls(mask, *extent(mask))

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def width(self) -> int:
        return self.right - self.left

    def __or__(self, other: Group) -> Group:
        return Group(
            self.mask | other.mask,
            min(self.top, other.top),
            max(self.bottom, other.bottom),
            min(self.left, other.left),
            max(self.right, other.right),
        )


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
        self.top, self.bottom, self.left, self.right = extent(mask)  # the ink's box on the original
        self.original = ink
        crop = np.ascontiguousarray(ink[self.top : self.bottom, self.left : self.right])
        self.scale = min(1.0, WORK_HEIGHT / crop.shape[0])
        size = (max(1, round(crop.shape[1] * self.scale)), max(1, round(crop.shape[0] * self.scale)))
        self.ink = np.asarray(Image.fromarray(crop).resize(size, Image.Resampling.BOX))

    def digit(self, group: Group) -> Digit:
        """The original ink under a group's mask, grown by a pixel for the anti-aliased edge. Worked in a window of
        the group's bounds and two pixels more each side: the grown edge, and a row or column that rounding back
        from the original's pixels may reach."""
        height, width = group.mask.shape
        t, left = max(group.top - 2, 0), max(group.left - 2, 0)
        mask = group.mask[t : min(group.bottom + 2, height), left : min(group.right + 2, width)]
        grown = mask.copy()
        grown[1:] |= mask[:-1]
        grown[:-1] |= mask[1:]
        grown[:, 1:] |= grown[:, :-1]
        grown[:, :-1] |= grown[:, 1:]
        top, bottom, first, end = extent(grown)  # in the window
        y0, x0 = self.top + int((t + top) / self.scale), self.left + int((left + first) / self.scale)
        y1 = min(self.original.shape[0], self.top + int(np.ceil((t + bottom) / self.scale)))
        x1 = min(self.original.shape[1], self.left + int(np.ceil((left + end) / self.scale)))
        ys = np.minimum(((np.arange(y0, y1) - self.top) * self.scale).astype(int), height - 1) - t
        xs = np.minimum(((np.arange(x0, x1) - self.left) * self.scale).astype(int), width - 1) - left
        ink = np.where(grown.take(ys, 0).take(xs, 1), self.original[y0:y1, x0:x1], 0).astype(np.uint8)
        return Digit(ink, (x0, y0, x1 - x0, y1 - y0))

    def whole(self) -> Digit:
        """The drawing itself, as one digit (what /predict reads), boxed by its ink."""
        return Digit(self.original, (self.left, self.top, self.right - self.left, self.bottom - self.top))


def _gap(a: Group, b: Group) -> int:
    return max(0, max(a.left, b.left) - min(a.right, b.right))


def line_height(found: list[Group]) -> float:
    """The height of the line's digits: the median height of the pieces at least half as tall as the tallest."""
    heights = [g.height for g in found]
    return float(np.median([h for h in heights if h >= 0.5 * max(heights)]))


def groups(drawing: Drawing, max_digits: int) -> list[Group]:
    """The drawing's pieces, specks dropped and plain pieces of one digit joined, left to right."""
    labels, count = label(drawing.ink > INK_LEVEL * drawing.ink.max())
    if count > 8 * max_digits:  # scattered marks, not digits: refused before any per-piece work
        raise PreprocessError(
            "too_many_digits", f"the image holds {count} separate marks; at most {max_digits} digits are read"
        )
    weight = np.bincount(labels.ravel(), weights=drawing.ink.ravel().astype(np.float64), minlength=count + 1)[1:]
    pieces = [Group.of(labels == k + 1) for k in range(count) if weight[k] >= MIN_PIECE * weight.max()]
    height = line_height(pieces)
    tall = [g for g in pieces if g.height >= SHORT * height]
    for piece in (g for g in pieces if g.height < SHORT * height):  # a bar, a flag, a dot: to its neighbour
        gaps = [_gap(piece, g) for g in tall]
        if tall and min(gaps) <= NEAR * height:
            k = int(np.argmin(gaps))
            tall[k] = tall[k] | piece
        else:
            tall.append(piece)
    tall.sort(key=lambda g: g.left)
    i = 0
    while i < len(tall):  # one digit drawn in several strokes: pieces that overlap horizontally
        for j in range(i + 1, len(tall)):
            a, b = tall[i], tall[j]
            both_tall = min(a.height, b.height) >= TALL * height  # two slanted digits side by side
            overlap = min(a.right, b.right) - max(a.left, b.left)
            if overlap >= (MERGE_TALL if both_tall else MERGE_OVERLAP) * min(a.width, b.width):
                tall[i] = tall[i] | tall.pop(j)
                break
        else:
            i += 1
    tall.sort(key=lambda g: g.left + g.right)
    if len(tall) > 2 * max_digits:
        raise PreprocessError("too_many_digits", f"the image holds {len(tall)} digits; at most {max_digits} are read")
    return tall


def valleys(drawing: Drawing, group: Group, height: float, most: int) -> list[int]:
    """Up to `most` columns where a group is thinnest: the middle of each valley of its ink profile."""
    width = group.width
    window = np.s_[group.top : group.bottom, group.left : group.right]
    profile = np.where(group.mask[window], drawing.ink[window], 0).sum(0).astype(np.float64)
    smooth = np.convolve(profile, np.ones(3) / 3, mode="same")
    margin = max(2, int(0.2 * height))
    found: list[int] = []
    for x in sorted(range(margin, width - margin), key=lambda c: smooth[c]):  # the thinnest places first
        if len(found) == most:
            break
        left, right = x, x  # the middle of the valley x lies in (a bar joining two digits is flat)
        while left > margin and smooth[left - 1] <= smooth[x] * 1.15 + 1:
            left -= 1
        while right < width - margin - 1 and smooth[right + 1] <= smooth[x] * 1.15 + 1:
            right += 1
        middle = (left + right) // 2
        if all(abs(middle - f) >= margin for f in found):
            found.append(middle)
    return sorted(group.left + f for f in found)


def _parts(mask: np.ndarray, cuts: list[int]) -> list[np.ndarray]:
    columns = np.arange(mask.shape[1])[None, :]
    edges = [0, *sorted(cuts), mask.shape[1]]
    return [mask & (columns >= a) & (columns < b) for a, b in zip(edges, edges[1:], strict=False)]


def halves(
    drawing: Drawing, group: Group, height: float, classify: Callable, first: int, second: int
) -> tuple[Digit, Digit, float]:
    """A group read as the digits `first` and `second`, cut in two at the valley where the classifier finds the
    left part most like `first` and the right part most like `second` (the middle when it has no valley); and
    how sure the classifier is of the two parts it then reads (the product of their top probabilities)."""
    total = group.mask.sum()
    cut_up = [_parts(group.mask, [cut]) for cut in valleys(drawing, group, height, most=4)]
    options = [parts for parts in cut_up if all(p.sum() >= 0.1 * total for p in parts)]  # no slivers as digits
    options = options or [_parts(group.mask, [(group.left + group.right) // 2])]
    digits = [[drawing.digit(Group.of(p)) for p in parts] for parts in options]
    probs = classify([d.ink for pair in digits for d in pair]).reshape(len(digits), 2, -1)
    best = int(np.argmax(probs[:, 0, first] * probs[:, 1, second]))
    return digits[best][0], digits[best][1], float(probs[best, 0].max() * probs[best, 1].max())


def join(drawing: Drawing, found: list[Group], height: float, pairs: Callable) -> list[Group]:
    """Neighbouring groups close together that the pair reader, reading them as one, finds are one digit (the
    pieces of a digit drawn with the pen lifted that do not overlap enough to be joined on sight)."""
    close = [k for k in range(len(found) - 1) if _gap(found[k], found[k + 1]) <= NEAR * height]
    if not close:
        return found
    two, _, _ = pairs([drawing.digit(found[k] | found[k + 1]).ink for k in close])
    one = {k for k, t in zip(close, two, strict=True) if t < ONE}  # group k and group k + 1 are one digit
    out, k = [], 0
    while k < len(found):
        out.append(found[k] | found[k + 1] if k in one else found[k])
        k += 2 if k in one else 1
    return out


def read(
    ink: np.ndarray,
    classify: Callable[[list[np.ndarray]], np.ndarray],
    max_digits: int,
    pairs: Callable[[list[np.ndarray]], tuple[np.ndarray, ...]] | None = None,
) -> list[tuple[Digit, np.ndarray]]:
    """A number's ink map -> (digit, probabilities) for each digit, left to right.

    `classify` turns a list of ink maps into (N, classes) probabilities; `pairs` (the pair reader) turns a
    list of groups' ink maps into (two, first, second): the probability that each is two touching digits,
    and the (N, 10) probabilities of its first and second digit. Without `pairs` no group is split, and each
    digit is the classifier's reading alone."""
    drawing = Drawing(ink)
    found = groups(drawing, max_digits)
    turn = level.slope([((g.left + g.right) / 2, (g.top + g.bottom) / 2) for g in found])
    levelled = level.Level.of(ink, turn) if abs(turn) >= level.MIN_SLOPE else None
    if levelled is not None:  # a sloping line: its digits found on the ink turned level
        drawing = Drawing(levelled.ink)
        found = groups(drawing, max_digits)
    height = line_height(found)
    if pairs is not None and len(found) > 1:
        found = join(drawing, found, height, pairs)
    whole = [drawing.whole()] if len(found) == 1 else [drawing.digit(g) for g in found]  # one group: /predict's
    probs = classify([d.ink for d in whole])
    chosen: list[list[tuple[Digit, np.ndarray]]] = [[(d, p)] for d, p in zip(whole, probs, strict=True)]
    wide = {k for k, g in enumerate(found) if g.width > NARROW * height}
    asked = [k for k in range(len(whole)) if k in wide or len(whole) > 1]  # a lone narrow group: /predict's answer
    if pairs is not None and asked:
        for k, two, first, second in zip(asked, *pairs([whole[k].ink for k in asked]), strict=True):
            if k in wide and two > TWO:
                left, right, sure = halves(
                    drawing, found[k], height, classify, int(first.argmax()), int(second.argmax())
                )
                both = two * first.max() * second.max() * sure  # two digits, as both networks read them...
                if both > (1 - two) * probs[k].max():  # ...beat one
                    chosen[k] = [(left, first), (right, second)]
            elif len(whole) > 1:  # one digit of several: the mean of the classifier's and the pair reader's readings
                chosen[k] = [(whole[k], (1 - READER) * probs[k] + READER * first)]
    out = [pair for group in chosen for pair in group]
    if levelled is not None:  # each box onto the drawing as it was sent
        out = [(Digit(d.ink, levelled.box(d.box)), p) for d, p in out]
    if len(out) > max_digits:
        raise PreprocessError("too_many_digits", f"the image holds {len(out)} digits; at most {max_digits} are read")
    return out
