"""A small, fixed-seed run of bench/pen.py: pen drawings made in real Chromium, read through the app."""

from __future__ import annotations

import pytest

from harness import pen
from models import data
from models.pen import STYLES

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def answered(browser, app):
    batch = pen.items(browser, pens=400, per_style=24, per_font=30, seed=5)
    return batch, pen.answers(app.test_client(), batch)


@pytest.fixture(scope="module")
def result(answered):
    return pen.summary(*answered)


@pytest.fixture(scope="module")
def drawn(answered):
    """The summary of what people draw on the page (pen drawings and styles), without the fonts."""
    batch, replies = answered
    keep = [i for i, item in enumerate(batch) if item.kind != "font"]
    return pen.summary([batch[i] for i in keep], [replies[i] for i in keep])


def test_pen_drawn_mnist_digits_are_read_like_mnist(result):
    by = result["by"]
    assert by["kind"]["pen"]["n"] == 400 and by["kind"]["pen"]["accuracy"] >= 0.985
    for encoding, figures in by["encoding"].items():  # each encoding on its own: one broken path cannot hide
        assert figures["accuracy"] >= 0.97, encoding


def test_the_styles_mnist_lacks_and_unseen_fonts_are_read(result):
    by = result["by"]
    for style, figures in by["style"].items():
        assert figures["accuracy"] >= 0.9, style
    assert by["kind"]["font"]["accuracy"] >= 0.95


def test_a_wrong_digit_is_rarely_asserted_and_a_right_one_rarely_doubted(drawn):
    # A share of the mistakes flagged means little on the few mistakes of this set (bench/pen.py measures it on
    # 6,500 canvases): what the page must not do is assert a wrong digit, or doubt right ones, often, on what
    # people draw. (The unseen fonts include two the model reads badly and confidently: the README's pen table.)
    asserted_wrong = drawn["mistakes"] * (1 - (drawn["mistakes_uncertain"] or 0)) / drawn["n"]
    assert drawn["n"] == 400 + 24 * len(STYLES) and asserted_wrong <= 0.01, drawn["wrong"]
    assert drawn["correct_uncertain"] <= 0.02


def test_each_pen_drawing_names_the_mnist_test_digit_it_redraws(answered):
    # bench/pen.py reads the scans of the drawings read wrong: a drawing must point at its own digit
    _, labels = data.load("mnist", train=False)
    drawings = [item for item in answered[0] if item.kind == "pen"]
    sources = [item.source for item in drawings]
    assert len(set(sources)) == len(drawings) and min(sources) >= 0
    assert [int(labels[i]) for i in sources] == [item.label for item in drawings]
    assert all(item.source == -1 for item in answered[0] if item.kind != "pen")
