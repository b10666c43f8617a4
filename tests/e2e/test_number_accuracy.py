"""A small, fixed-seed run of bench/numbers.py: numbers drawn in real Chromium, read by /predict/number."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from backend import level
from harness import numbers
from harness.images import turned
from models import data, pen

pytestmark = pytest.mark.slow


def read(app, drawn: list) -> list:
    client = app.test_client()
    return [
        (item, client.post("/predict/number", data=item.data, content_type="image/png").get_json()) for item in drawn
    ]


@pytest.fixture(scope="module")
def readings(browser, app):
    return read(app, numbers.items(browser, count=90, seed=4))


@pytest.fixture(scope="module")
def thick_readings(browser, app):
    """Numbers drawn with a pen 0.15-0.25 of the line's height (the benchmark's: 0.05-0.15), as a small number
    written on the page's pad comes out."""
    return read(app, numbers.items(browser, count=60, seed=4, pen_range=(0.15, 0.25)))


def accuracy(rows) -> float:
    return float(np.mean([answer["number"] == item.text for item, answer in rows]))


# Floors under what the shipped models and segment.py read today (bench.numbers has the figures), so that a
# change that makes numbers worse fails here; issue #12's goals (97% / 97% / 90%) are not all reached yet.
def test_whole_numbers_are_read(readings):
    assert accuracy(readings) >= 0.9


def test_numbers_with_a_pen_lifted_digit_and_with_touching_digits(readings):
    lifted = [r for r in readings if r[0].lifted]
    touching = [r for r in readings if r[0].touching]
    assert len(lifted) >= 10 and len(touching) >= 10
    assert accuracy(lifted) >= 0.9 and accuracy(touching) >= 0.8  # touching: 0.36 before the pair reader


def test_each_digit_has_its_box_in_reading_order(readings):
    for _, answer in readings:
        xs = [d["box"][0] for d in answer["digits"]]
        assert xs == sorted(xs) and all(d["box"][2] > 0 and d["box"][3] > 0 for d in answer["digits"])
        assert answer["uncertain"] == any(d["uncertain"] for d in answer["digits"])


def test_numbers_drawn_with_a_thick_pen_are_read(thick_readings):
    assert accuracy(thick_readings) >= 0.9  # 0.95 today; 0.82 with the pair reader trained on thin pens only


def test_one_digit_drawn_with_a_thick_pen_reads_through_predict_number_as_through_predict(app):
    """200 MNIST test digits redrawn with a pen 0.15-0.25 of their height, black on white: the pair reader must
    not take a lone thick digit for two (with the one trained on thin pens only, 12 of them were read otherwise
    than /predict reads them)."""
    client = app.test_client()
    images, _ = data.load("mnist", train=False)
    rng = np.random.default_rng(1)
    agree = 0
    for i in rng.choice(len(images), 200, replace=False):
        pose = pen.random_pose(rng, 280, height=(0.3, 0.8), pen=(0.15, 0.25))
        buffer = io.BytesIO()
        Image.fromarray(255 - pen.render(pen.skeleton_strokes(images[i, 0].numpy()), pose)).save(buffer, "PNG")
        one = client.post("/predict", data=buffer.getvalue(), content_type="image/png").get_json()
        many = client.post("/predict/number", data=buffer.getvalue(), content_type="image/png").get_json()
        agree += many["number"] == str(one["digit"])
    assert agree >= 197


def test_numbers_written_along_a_slope_are_levelled_and_read(app, readings, monkeypatch):
    """The same numbers turned 20 degrees, uphill or downhill: on a slope, neighbours overlap in their columns and,
    read as drawn, are taken for the pieces of one digit (today 0.97 levelled, 0.82 read as drawn)."""
    client = app.test_client()
    sloped = [(turned(item.data, 20 if k % 2 else -20), item.text) for k, (item, _) in enumerate(readings)]

    def read_right() -> float:
        answers = [client.post("/predict/number", data=d, content_type="image/png").get_json() for d, _ in sloped]
        return float(np.mean([a["number"] == text for a, (_, text) in zip(answers, sloped, strict=True)]))

    levelled = read_right()
    monkeypatch.setattr(level, "MIN_SLOPE", 90.0)  # never level: read as drawn
    assert levelled >= 0.85 and read_right() <= levelled - 0.05
