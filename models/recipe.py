"""The recipes that turn an ink map into a model's 28x28 input: numpy and Pillow only (serving needs no torch).

An ink map is (H, W) uint8: 0 = background, 255 = full ink, whatever the image's colours were.
Training data made from drawings (`models.pen`) and every request the server reads go through
these same functions, so the network is trained on exactly what it is asked about.

The MNIST recipe (LeCun et al.): the digit's bounding box is scaled, aspect kept and
anti-aliased, so that its longer side is 20 px; it is then placed in a 28x28 field so that
its centre of mass lies at the field's centre (pixel (14, 14), measured on the real test set).
Fashion-MNIST's recipe: trim to the object, scale the longer side to 28 px, centre it.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

FIELD = 28
DIGIT_BOX = 20
MNIST_CENTRE = 14.0  # mean centre of mass of the MNIST test digits, in pixel indices
INK_THRESHOLD = 0.1  # of the peak ink: what counts as ink for the bounding box
MIN_PEAK = 38  # (15% of full ink) weaker than this everywhere: nothing is drawn
MIN_INK_PIXELS = 3
STROKE_PEAKS = True  # bring each stroke to full ink (stroke_peaks)
LOCAL = 2  # px (of the 20 px digit): how near the brightest ink a pixel is measured against
LOCAL_FLOOR = 0.35  # of full ink: fainter marks are not raised as if they were strokes


class PreprocessError(ValueError):
    """An image we cannot turn into a model input; `code` names the reason for the API."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def ink_crop(ink: np.ndarray) -> np.ndarray:
    """The ink's bounding box cut out of a uint8 ink map (a view: no pixel is copied).

    Raises PreprocessError("empty_image") when there is no ink worth reading.
    """
    row_peaks = ink.max(1, initial=0)  # two passes over the pixels: the rows' peaks, then the columns' in the rows
    peak = int(row_peaks.max(initial=0))
    if peak < MIN_PEAK:
        raise PreprocessError("empty_image", "the image is empty: draw a digit first")
    level = int(INK_THRESHOLD * peak)
    rows = np.flatnonzero(row_peaks > level)
    top, bottom = rows[0], rows[-1] + 1
    cols = np.flatnonzero(ink[top:bottom].max(0) > level)
    left, right = cols[0], cols[-1] + 1
    if (
        max(bottom - top, right - left) < MIN_INK_PIXELS
        or (
            max(len(rows), len(cols)) < MIN_INK_PIXELS  # else there are at least that many ink pixels
            and np.count_nonzero(ink[top:bottom, left:right] > level) < MIN_INK_PIXELS
        )
    ):
        raise PreprocessError("empty_image", "the image holds only a speck of ink: draw a digit first")
    return ink[top:bottom, left:right]


def _fit(crop: np.ndarray, side: int) -> np.ndarray:
    """Scale a uint8 crop so that its longer side is `side` px (see `_scaled`)."""
    return _scaled(crop, side / max(crop.shape))


def _scaled(crop: np.ndarray, scale: float) -> np.ndarray:
    """A uint8 crop scaled by `scale`, aspect kept, anti-aliased (area average when shrinking, bilinear when
    enlarging); float32 in [0, 1] with its peak at 1 (MNIST strokes peak at full ink). PreprocessError
    ("empty_image") when no ink is left."""
    h, w = crop.shape
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    method = Image.Resampling.BOX if scale < 1 else Image.Resampling.BILINEAR
    if crop.dtype != np.uint8:
        raise TypeError(f"an ink map is uint8, not {crop.dtype}")
    # the same pixels as Image.fromarray and np.asarray give, without their array-interface parsing (~0.01 ms)
    image = Image.frombuffer("L", (w, h), np.ascontiguousarray(crop), "raw", "L", 0, 1).resize(size, method)
    small = np.frombuffer(image.tobytes(), np.uint8).reshape(size[1], size[0]).astype(np.float32)
    peak = float(small.max())
    if not peak:  # faint specks far apart: averaged over the shrunk box, nothing is left of them
        raise PreprocessError("empty_image", "the image holds only faint specks of ink: draw a digit first")
    return small * np.float32(1 / peak)


def _paste(small: np.ndarray, top: int, left: int, shape: tuple[int, int] = (FIELD, FIELD)) -> np.ndarray:
    """Place `small` in a zero field of `shape` at (top, left), clipping what falls outside."""
    out = np.zeros(shape, dtype=np.float32)
    h, w = small.shape
    t0, l0 = max(top, 0), max(left, 0)
    t1, l1 = min(top + h, shape[0]), min(left + w, shape[1])
    if t1 > t0 and l1 > l0:
        out[t0:t1, l0:l1] = small[t0 - top : t1 - top, l0 - left : l1 - left]
    return out


def stroke_peaks(digit: np.ndarray) -> np.ndarray:
    """Each stroke brought up to full ink, as MNIST's pen strokes are: a pixel over the brightest within
    LOCAL px of it (at least LOCAL_FLOOR of full). A hairline beside a thick stroke (a cursive font, a light
    touch) would otherwise fade away when the digit is shrunk to 20 px."""
    height, width = digit.shape
    padded = np.zeros((height + 2 * LOCAL, width + 2 * LOCAL), digit.dtype)  # np.pad's zeros, at a tenth its cost
    padded[LOCAL:-LOCAL, LOCAL:-LOCAL] = digit
    rows = padded[:, :width].copy()  # a square maximum filter, one axis at a time
    for dx in range(1, 2 * LOCAL + 1):
        np.maximum(rows, padded[:, dx : dx + width], out=rows)
    local = rows[:height].copy()
    for dy in range(1, 2 * LOCAL + 1):
        np.maximum(local, rows[dy : dy + height], out=local)
    return np.minimum(1.0, digit / np.maximum(local, LOCAL_FLOOR))


def mnist_digit(ink: np.ndarray) -> np.ndarray:
    """The MNIST recipe: crop, longer side to 20 px, centre of mass to the field centre. (H, W) -> (28, 28)."""
    digit = _fit(ink_crop(ink), DIGIT_BOX)
    if STROKE_PEAKS:
        digit = stroke_peaks(digit)
    rows, cols = digit.sum(1), digit.sum(0)
    mass = rows.sum()
    cy, cx = rows @ np.arange(len(rows)) / mass, cols @ np.arange(len(cols)) / mass
    return _paste(digit, round(MNIST_CENTRE - cy), round(MNIST_CENTRE - cx))


def fashion_item(ink: np.ndarray) -> np.ndarray:
    """Fashion-MNIST's recipe: crop, longer side to 28 px, centre the box. (H, W) -> (28, 28)."""
    item = _fit(ink_crop(ink), FIELD)
    h, w = item.shape
    return _paste(item, (FIELD - h) // 2, (FIELD - w) // 2)


PAIR_FIELD = (FIELD, 2 * FIELD)
PAIR_BOX = (24, 52)  # px: the most a group of ink may fill of the pair field, aspect kept


def digit_pair(ink: np.ndarray) -> np.ndarray:
    """The pair reader's recipe (`models.pairs`): a group of ink that may be one digit or two touching, cropped,
    scaled to fit PAIR_BOX with its aspect kept (a pair is about twice as wide as a digit) and its strokes
    brought to full ink, centred in a 28x56 field. (H, W) -> (28, 56)."""
    crop = ink_crop(ink)
    group = stroke_peaks(_scaled(crop, min(PAIR_BOX[0] / crop.shape[0], PAIR_BOX[1] / crop.shape[1])))
    h, w = group.shape
    return _paste(group, (PAIR_FIELD[0] - h) // 2, (PAIR_FIELD[1] - w) // 2, PAIR_FIELD)


RECIPES = {"mnist-digit": mnist_digit, "fashion-mnist-image": fashion_item, "mnist-pair": digit_pair}
# Mean ink of a 28x28 field: 0.13 for MNIST training digits, 0.29 at the 99.9th percentile, 0.40 at most.
# Far above that the "digit" is a blob, a photo or noise, however confident the network is.
MAX_DIGIT_COVERAGE = 0.35
# Mean ink within the digit's own box, where the box is at least SOLID_WIDTH px wide (a narrow 1 fills its box):
# 0.79 at most for the 57,248 such MNIST training digits, 0.77 for the pen benchmark's drawings (thick pens too).
# A solid block is no digit: a photo's sheet of paper on a dark table (its paper read as ink) fills 0.97.
MAX_DIGIT_FILL = 0.9
SOLID_WIDTH = 8


def plausible(field: np.ndarray, recipe: str) -> bool:
    """Whether a [0, 1] field is within what the recipe's training data looked like."""
    if recipe != "mnist-digit":
        return True
    mean = float(field.mean())
    if mean > MAX_DIGIT_COVERAGE:
        return False
    ink = field > INK_THRESHOLD
    cols, rows = ink.any(0), ink.any(1)  # the box: the first and last column and row holding ink
    if not cols.any():
        return True
    width = len(cols) - int(cols[::-1].argmax()) - int(cols.argmax())
    if width < SOLID_WIDTH:
        return True
    height = len(rows) - int(rows[::-1].argmax()) - int(rows.argmax())
    return mean * field.size / (width * height) <= MAX_DIGIT_FILL  # the field's ink over its box's area
