"""A small, fixed-seed run of bench/numbers.py: numbers drawn in real Chromium, read by /predict/number."""

from __future__ import annotations

import numpy as np
import pytest

from harness import numbers

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def readings(browser, app):
    client = app.test_client()
    drawn = numbers.items(browser, count=90, seed=4)
    return [
        (item, client.post("/predict/number", data=item.data, content_type="image/png").get_json()) for item in drawn
    ]


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
