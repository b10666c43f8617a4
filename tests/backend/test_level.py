"""A sloping line of digits levelled (backend/level.py): its slope, and boxes turned back onto the drawing."""

import math

import numpy as np
import pytest

from backend import level


@pytest.mark.parametrize("degrees", [-20.0, 7.5, 30.0])
def test_the_slope_is_that_of_the_line_through_the_pieces_centres(degrees):
    rise = math.tan(math.radians(degrees))
    centres = [(x, 40 + rise * x + wobble) for x, wobble in ((10, 0.5), (60, -0.5), (110, 0.5), (160, -0.5))]
    assert level.slope(centres) == pytest.approx(degrees, abs=0.5)


def test_fewer_than_three_pieces_or_one_column_give_no_slope():
    assert level.slope([(0, 0), (100, 50)]) == 0.0
    assert level.slope([(5, 0), (5, 50), (5, 90)]) == 0.0


@pytest.mark.parametrize("degrees", [-25.0, 12.0])
def test_a_box_found_on_the_levelled_ink_turns_back_onto_the_ink_as_sent(degrees):
    ink = np.zeros((150, 200), np.uint8)
    ink[30:90, 50:80] = 255  # a digit's box: x 50-80, y 30-90
    levelled = level.Level.of(ink, degrees)
    assert levelled.ink.shape != ink.shape and levelled.ink.sum() > 0.9 * ink.sum()  # grown to hold all of it
    rows, cols = np.flatnonzero((levelled.ink > 128).any(1)), np.flatnonzero((levelled.ink > 128).any(0))
    x, y, w, h = levelled.box((int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1)))
    assert x <= 51 and y <= 31 and x + w >= 79 and y + h >= 89  # it holds the box as sent...
    assert x >= 0 and y >= 0 and x + w <= 200 and y + h <= 150 and w * h < 4 * 30 * 60  # ...on the drawing
