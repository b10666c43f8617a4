"""An ink map -> the 28x28 input a model was trained on. Pure functions: no Flask, no torch.

The request path: image bytes -> `decode.ink_of` (parsed once: an (H, W) uint8 ink map, 0 =
background, 255 = full ink) -> the model's recipe -> `models.runtime.normalise`.

The MNIST recipe (LeCun et al.): the digit's bounding box is scaled, aspect kept and
anti-aliased, so that its longer side is 20 px; it is then placed in a 28x28 field so that
its centre of mass lies at the field's centre (pixel (14, 14), measured on the real test set).
Fashion-MNIST's recipe: trim to the object, scale the longer side to 28 px, centre it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from backend.decode import PreprocessError, ink_of
from models import runtime

__all__ = ["RECIPES", "Prepared", "PreprocessError", "field_of", "ink_crop", "prepare"]

FIELD = 28
DIGIT_BOX = 20
MNIST_CENTRE = 14.0  # mean centre of mass of the MNIST test digits, in pixel indices
INK_THRESHOLD = 0.1  # of the peak ink: what counts as ink for the bounding box
MIN_PEAK = 38  # (15% of full ink) weaker than this everywhere: nothing is drawn
MIN_INK_PIXELS = 3


@dataclass(frozen=True)
class Prepared:
    """A model input (C, 28, 28) normalised float32, the same field as uint8 for people to see, and
    whether the field looks like what the model was trained on (False: the answer should not be trusted)."""

    input: np.ndarray
    field: np.ndarray
    plausible: bool = True


def ink_crop(ink: np.ndarray) -> np.ndarray:
    """The ink's bounding box cut out of a uint8 ink map (a view: no pixel is copied).

    Raises PreprocessError("empty_image") when there is no ink worth reading.
    """
    peak = int(ink.max(initial=0))
    if peak < MIN_PEAK:
        raise PreprocessError("empty_image", "the image is empty: draw a digit first")
    mask = ink > int(INK_THRESHOLD * peak)
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    top, left, bottom, right = rows[0], cols[0], rows[-1] + 1, cols[-1] + 1
    if (
        max(bottom - top, right - left) < MIN_INK_PIXELS
        or np.count_nonzero(mask[top:bottom, left:right]) < MIN_INK_PIXELS
    ):
        raise PreprocessError("empty_image", "the image holds only a speck of ink: draw a digit first")
    return ink[top:bottom, left:right]


def _fit(crop: np.ndarray, side: int) -> np.ndarray:
    """Scale a uint8 crop so that its longer side is `side` px, aspect kept, anti-aliased (area average when
    shrinking, bilinear when enlarging); float32 in [0, 1] with its peak at 1 (MNIST strokes peak at full ink)."""
    h, w = crop.shape
    scale = side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    method = Image.Resampling.BOX if scale < 1 else Image.Resampling.BILINEAR
    small = np.asarray(Image.fromarray(np.ascontiguousarray(crop)).resize(size, method), dtype=np.float32)
    return small * np.float32(1 / max(float(small.max()), 1.0))


def _paste(small: np.ndarray, top: int, left: int) -> np.ndarray:
    """Place `small` in a FIELD x FIELD zero field at (top, left), clipping what falls outside."""
    out = np.zeros((FIELD, FIELD), dtype=np.float32)
    h, w = small.shape
    t0, l0 = max(top, 0), max(left, 0)
    t1, l1 = min(top + h, FIELD), min(left + w, FIELD)
    if t1 > t0 and l1 > l0:
        out[t0:t1, l0:l1] = small[t0 - top : t1 - top, l0 - left : l1 - left]
    return out


def mnist_digit(ink: np.ndarray) -> np.ndarray:
    """The MNIST recipe: crop, longer side to 20 px, centre of mass to the field centre. (H, W) -> (28, 28)."""
    digit = _fit(ink_crop(ink), DIGIT_BOX)
    rows, cols = digit.sum(1), digit.sum(0)
    mass = rows.sum()
    cy, cx = rows @ np.arange(len(rows)) / mass, cols @ np.arange(len(cols)) / mass
    return _paste(digit, round(MNIST_CENTRE - cy), round(MNIST_CENTRE - cx))


def fashion_item(ink: np.ndarray) -> np.ndarray:
    """Fashion-MNIST's recipe: crop, longer side to 28 px, centre the box. (H, W) -> (28, 28)."""
    item = _fit(ink_crop(ink), FIELD)
    h, w = item.shape
    return _paste(item, (FIELD - h) // 2, (FIELD - w) // 2)


RECIPES = {"mnist-digit": mnist_digit, "fashion-mnist-image": fashion_item}
# Mean ink of a 28x28 field: 0.13 for MNIST training digits, 0.29 at the 99.9th percentile, 0.40 at most.
# Far above that the "digit" is a blob, a photo or noise, however confident the network is.
MAX_DIGIT_COVERAGE = 0.35


def plausible(field: np.ndarray, recipe: str) -> bool:
    """Whether a [0, 1] field is within what the recipe's training data looked like."""
    return recipe != "mnist-digit" or float(field.mean()) <= MAX_DIGIT_COVERAGE


def field_of(ink: np.ndarray, recipe: str, mean: list[float], std: list[float]) -> Prepared:
    """A uint8 ink map -> Prepared (normalised model input + the 28x28 field), or PreprocessError."""
    field = RECIPES[recipe](ink)  # (28, 28) in [0, 1]
    normalised = runtime.normalise(field[None], mean, std)  # (1, 28, 28)
    return Prepared(normalised, np.round(field * 255).astype(np.uint8), plausible(field, recipe))


def prepare(data: bytes, recipe: str, mean: list[float], std: list[float], max_pixels: int) -> Prepared:
    """Image bytes -> Prepared, or PreprocessError."""
    return field_of(ink_of(data, max_pixels), recipe, mean, std)
