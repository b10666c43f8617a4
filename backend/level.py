"""A number written along a sloping line, levelled before its digits are cut (`segment.read`): the slope of the
line through the centres of its pieces, the ink turned level, and each digit's box turned back onto the drawing
as it was sent. On a slope, neighbours overlap in their columns and would be taken for the pieces of one digit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image

from backend.components import extent

MIN_SLOPE = 6.0  # degrees: a line sloping less is read as drawn
MIN_PIECES = 3  # pieces needed to measure a slope (two would take any uneven pair for a slope)


def slope(centres: list[tuple[float, float]]) -> float:
    """The slope in degrees (positive: down to the right, as image rows run) of the line fitted through the (x, y)
    centres of a drawing's pieces; 0 for fewer than MIN_PIECES."""
    if len(centres) < MIN_PIECES:
        return 0.0
    x, y = np.array(centres, float).T
    if np.ptp(x) == 0:
        return 0.0
    return math.degrees(math.atan(np.polyfit(x, y, 1)[0]))


@dataclass(frozen=True, eq=False)  # eq=False: an ink map has no single truth value to compare by
class Level:
    """The box of an ink map's ink turned `angle` degrees counter-clockwise about its centre, grown to hold it all
    (only the ink's box: turning costs by the pixel), and the way back."""

    ink: np.ndarray
    angle: float
    size: tuple[int, int]  # the original's width and height
    crop: tuple[int, int, int, int]  # the box turned: left, top, width, height on the original

    @classmethod
    def of(cls, ink: np.ndarray, angle: float) -> Level:
        top, bottom, left, right = extent(ink)
        crop = (left, top, right - left, bottom - top)
        inked = np.ascontiguousarray(ink[top:bottom, left:right])
        turned = Image.fromarray(inked).rotate(angle, resample=Image.Resampling.BILINEAR, expand=True)
        return cls(np.asarray(turned), angle, (ink.shape[1], ink.shape[0]), crop)

    def box(self, box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        """A box (x, y, w, h) on the levelled ink -> the box on the original that holds it, within the original."""
        x, y, w, h = box
        turn = math.radians(self.angle)
        back = np.array([[math.cos(turn), math.sin(turn)], [-math.sin(turn), math.cos(turn)]])  # rows: q @ back = p
        corners = np.array([(x, y), (x + w, y), (x, y + h), (x + w, y + h)], float)
        left, top, width, height = self.crop
        centre, crop_centre = np.array(self.ink.shape[::-1]) / 2, np.array((left + width / 2, top + height / 2))
        points = (corners - centre) @ back + crop_centre
        x0, y0 = np.maximum(np.floor(points.min(0)), 0).astype(int)
        x1, y1 = np.minimum(np.ceil(points.max(0)), self.size).astype(int)
        return int(x0), int(y0), int(x1 - x0), int(y1 - y0)
