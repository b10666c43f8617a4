"""Image bytes -> the input a model was trained on. Pure functions: no Flask, no torch.

The request path: image bytes -> `decode.ink_of` (parsed once: an (H, W) uint8 ink map, 0 =
background, 255 = full ink) -> the model's recipe (`models.recipe`, shared with training) ->
`models.runtime.normalise`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backend.decode import ink_of
from models import runtime
from models.recipe import RECIPES, PreprocessError, plausible

__all__ = ["RECIPES", "Prepared", "PreprocessError", "field_of", "prepare"]


@dataclass(frozen=True)
class Prepared:
    """A model input (C, 28, 28) normalised float32 (28x56 by the pair recipe), the same field as uint8 for
    people to see, and whether the field looks like what the model was trained on (False: the answer should not
    be trusted)."""

    input: np.ndarray
    field: np.ndarray
    plausible: bool = True


def field_of(ink: np.ndarray, recipe: str, mean: list[float], std: list[float]) -> Prepared:
    """A uint8 ink map -> Prepared (normalised model input + the 28x28 field), or PreprocessError."""
    field = RECIPES[recipe](ink)  # (28, 28) in [0, 1]; the pair recipe's (28, 56)
    normalised = runtime.normalise(field[None], mean, std)  # (1, 28, 28)
    return Prepared(normalised, np.round(field * 255).astype(np.uint8), plausible(field, recipe))


def prepare(data: bytes, recipe: str, mean: list[float], std: list[float], max_pixels: int) -> Prepared:
    """Image bytes -> Prepared, or PreprocessError."""
    return field_of(ink_of(data, max_pixels), recipe, mean, std)
