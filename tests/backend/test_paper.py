"""Finding a sheet of paper in a photo (backend/paper.py), and never in a drawing."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from backend import decode, paper
from harness.images import photographed


def _gray(jpeg: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(jpeg)).convert("L"))


def _chalk(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """An MNIST digit as chalk on a noisy blackboard, 280x280: light ink whose strokes hold holes (0, 6, 8, 9)."""
    big = np.asarray(Image.fromarray(digit).resize((280, 280), Image.Resampling.BILINEAR), np.float64) / 255
    board, chalk = 30 + 40 * rng.random(), 200 + 50 * rng.random()
    return np.clip(board + (chalk - board) * big + rng.normal(0, 8, big.shape), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("degrees", [0, 10, 30, 45])
def test_a_turned_rectangle_fills_its_least_rectangle_and_an_ellipse_does_not(degrees):
    sheet = Image.new("L", (600, 600), 0)
    ImageDraw.Draw(sheet).rectangle((150, 200, 450, 400), fill=255)
    ellipse = Image.new("L", (600, 600), 0)
    ImageDraw.Draw(ellipse).ellipse((150, 200, 450, 400), fill=255)
    (fill, aspect), (ellipse_fill, _) = (
        paper.least_rectangle(np.asarray(i.rotate(degrees)) > 127) for i in (sheet, ellipse)
    )
    assert fill >= 0.95 > paper.MIN_RECT_FILL > 0.8 > ellipse_fill >= 0.75  # an ellipse fills pi/4 of its box
    assert aspect == pytest.approx(1.5, rel=0.05)


def _sheet(gray: np.ndarray) -> np.ndarray | None:
    return paper.sheet(gray, decode._border(gray))


@pytest.mark.parametrize("turn", [0, 8, 30])
def test_a_sheet_on_a_table_is_found_with_its_writing_inside_and_its_rim_left_out(turn):
    gray = _gray(photographed("2026", table=60, turn=turn))
    sheet = _sheet(gray)
    assert not sheet[:, :60].any() and not sheet[:, -60:].any()  # the table at the sides (120 px) is left out
    assert sheet[gray.shape[0] // 2, gray.shape[1] // 2]
    assert np.count_nonzero(sheet & (gray < 120)) > 1000  # the writing (45) lies on the sheet
    edge = sheet & paper._near(~sheet, 1)  # the sheet's own edge lies on paper, past the blurred rim (table 60)
    assert np.mean(gray[edge] > 170) > 0.99


def test_a_sheet_is_found_in_a_big_photo_by_its_sample_of_pixels():
    gray = _gray(photographed("7", table=60, turn=5))
    big = np.asarray(Image.fromarray(gray).resize((gray.shape[1] * 5, gray.shape[0] * 5)))  # 2550x3200
    found = _sheet(big)
    assert found is not None and found.shape == big.shape and found[big.shape[0] // 2, big.shape[1] // 2]


def test_no_mnist_test_digit_is_taken_for_a_sheet(mnist_test):
    images, _ = mnist_test
    assert not any(_sheet(np.ascontiguousarray(image)) is not None for image in images[:, 0].numpy())


def test_no_chalk_digit_on_a_blackboard_is_taken_for_a_sheet(mnist_test):
    images, _ = mnist_test
    rng = np.random.default_rng(0)
    assert not any(_sheet(_chalk(image, rng)) is not None for image in images[:300, 0].numpy())


def test_a_blank_card_is_a_sheet_and_a_thick_bar_of_chalk_is_not():
    rng = np.random.default_rng(0)
    table = rng.normal(60, 8, (400, 500))
    card, bar = table.copy(), table.copy()
    card[100:300, 100:400] = 220
    bar[40:360, 220:290] = 220  # a thick 1 in chalk: a rectangle, but 4.6 times as long as wide
    found = [
        _sheet(np.asarray(Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(1))))
        for image in (card, bar)
    ]
    assert found[0] is not None and found[0][200, 250] and not found[0][50, 50] and found[1] is None
