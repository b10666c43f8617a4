"""Pen drawings (models/pen.py): skeletons, a round pen of the asked width, styles, fonts, the training extras."""

from __future__ import annotations

import argparse

import numpy as np
import pytest

from models import fonts, pen, pendata, recipe


def test_a_drawn_bar_is_thinned_to_its_centre_line():
    digit = np.zeros((28, 28), np.uint8)
    digit[5:23, 12:16] = 255  # a 4 px wide vertical bar
    points = np.concatenate(pen.skeleton_strokes(digit))
    xs, ys = points[:, 0] * 28, points[:, 1] * 28
    assert np.all(np.abs(xs - 14) < 0.75)  # on the bar's centre line, whatever its width
    assert ys.max() - ys.min() > 12


@pytest.mark.parametrize("width", [3.0, 8.0, 20.0])
def test_the_pen_draws_strokes_of_its_width_with_round_ends(width):
    pose = pen.Pose(canvas=200, height=100, pen=width, angle=0, centre=(100, 100))
    ink = pen.render([np.array([[0.5, 0.0], [0.5, 1.0]], np.float32)], pose)
    across = ink[100] / 255
    assert across.sum() == pytest.approx(width, abs=0.6)  # the anti-aliased profile integrates to the width
    column = ink[:, 100] > 127
    assert np.flatnonzero(column)[[0, -1]].tolist() == pytest.approx([50 - width / 2, 150 + width / 2], abs=1.5)


def test_a_turned_pose_turns_the_drawing():
    line = [np.array([[0.5, 0.0], [0.5, 1.0]], np.float32)]
    upright = pen.render(line, pen.Pose(200, 100, 4, 0, (100, 100)))
    turned = pen.render(line, pen.Pose(200, 100, 4, 90, (100, 100)))
    assert upright[:, 100].sum() > 20 * 255 and upright[100].sum() < 6 * 255
    assert turned[100].sum() > 20 * 255 and turned[:, 100].sum() < 6 * 255


@pytest.mark.parametrize("style", list(pen.STYLES))
def test_every_style_gives_a_digit_field(style):
    rng = np.random.default_rng(0)
    ink = pen.render(pen.style_strokes(style, rng), pen.random_pose(rng, 280))
    field = pendata.field(ink)
    assert field.shape == (28, 28) and field.max() == 255 and field[:2].max() == 0


def test_a_font_glyph_lands_where_its_pose_says():
    font = fonts.fetch()["train"][0]
    ink = pen.glyph(font, 7, pen.Pose(200, 120, 0, 0, (60, 140)))
    ys, xs = np.nonzero(ink > 127)
    assert 110 <= ys.max() - ys.min() + 1 <= 124 and abs(ys.mean() - 140) < 25 and abs(xs.mean() - 60) < 25


def test_a_hollow_glyph_keeps_its_outline_and_thin_strokes_stay_whole():
    ink = np.zeros((60, 60), np.uint8)
    ink[10:50, 10:40] = 255  # a filled block 30 px wide
    ink[10:50, 50:52] = 255  # a stroke 2 px wide
    out = pen.hollow(ink, 3)
    assert out[30, 25] == 0 and out[30, 10] == 255 and out[30, 39] == 255  # emptied inside, its edges kept
    assert (out[10:50, 50:52] == 255).all()  # thinner than the outline: nothing to hollow
    assert out[out > 0].size < (ink > 0).sum() / 2
    stroke = np.zeros((60, 60), np.uint8)
    stroke[10:50, 29:31] = 255
    fattened = pen.hollow(stroke, 2, body=6)  # the 2 px stroke fattened to 14 px, then outlined: hollow too
    assert fattened[30, 29:31].max() == 0 and fattened[30, 23] == 255 and fattened[30, 36] == 255


def test_training_extras_are_fields_of_the_recipe_and_cached(tmp_path, mnist_train):
    images, labels = (t[:40].numpy() for t in mnist_train)
    faces = fonts.fetch()["train"][:2]
    x, y = pendata.training_set(images, labels, faces, seed=3, cache=tmp_path, styles=10, glyphs_per_font=5)
    assert x.shape == (40 + 10 + 10, 1, 28, 28) and x.dtype == np.uint8 and y[:40].tolist() == labels.tolist()
    assert set(y[40:50].tolist()) <= {1, 4, 7} and (x.reshape(len(x), -1).max(1) == 255).all()
    centre = np.array([recipe.MNIST_CENTRE] * 2)
    for field in x[:, 0]:  # each one placed as the MNIST recipe places a digit
        ys, xs = np.indices(field.shape)
        mass = field.astype(float)
        assert np.abs(np.array([(ys * mass).sum(), (xs * mass).sum()]) / mass.sum() - centre).max() <= 0.75
    cached = list(tmp_path.glob("pen-*.npz"))
    assert len(cached) == 1
    again = pendata.training_set(images, labels, faces, seed=3, cache=tmp_path, styles=10, glyphs_per_font=5)
    assert np.array_equal(again[0], x)
    hollowed, _ = pendata.training_set(
        images, labels, faces, seed=3, cache=tmp_path, styles=10, glyphs_per_font=5, hollow_share=1
    )
    assert len(list(tmp_path.glob("pen-*.npz"))) == 2  # its own cache entry
    assert np.array_equal(hollowed[:50], x[:50])  # the pens and styles as they were; every font digit outlined
    assert all(not np.array_equal(a, b) and a.max() == 255 for a, b in zip(hollowed[50:], x[50:], strict=True))
    lifted, _ = pendata.training_set(
        images, labels, faces, seed=3, cache=tmp_path, styles=10, glyphs_per_font=5, lift_share=1
    )
    assert len(list(tmp_path.glob("pen-*.npz"))) == 3
    assert np.array_equal(lifted[40:], x[40:])  # the styles and fonts as they were
    changed = [k for k in range(40) if not np.array_equal(lifted[k], x[k])]
    assert len(changed) >= 30  # every digit whose stroke falls apart when a stretch of it is missing (not a 1)
    every, every_y = pendata.training_set(
        images, labels, faces, seed=3, cache=tmp_path, styles=10, glyphs_per_font=5, style_set="all"
    )
    assert len(list(tmp_path.glob("pen-*.npz"))) == 4
    assert np.array_equal(every[:40], x[:40]) and np.array_equal(every[50:], x[50:])  # pens and fonts as they were
    assert set(every_y[40:50].tolist()) <= {1, 4, 7} and not np.array_equal(every[40:50], x[40:50])


def test_the_first_style_set_is_the_five_drawn_before_the_hooked_ones_and_all_adds_them():
    assert pen.STYLE_SETS["first"] == ("1-flag-foot", "1-flag", "7-crossed", "4-open", "4-closed")
    assert set(pen.STYLE_SETS["all"]) - set(pen.STYLE_SETS["first"]) == {"1-hook", "1-flag-hook"}
    assert all(pen.STYLES[name][0] == 1 for name in pen.STYLE_SETS["all"][5:])


def test_a_lifted_pen_leaves_a_digit_in_pieces():
    t = np.linspace(0, 1, 41)[:, None]
    line = np.hstack([0.5 + 0.2 * np.sin(6 * t), 0.1 + 0.8 * t])  # a long wavy stroke, as skeleton segments
    segments = [line[k : k + 2] for k in range(40)]
    assert pen.pieces(segments) == 1
    cut = pen.lift_pen(segments, np.random.default_rng(0), gap=0.07)
    assert cut is not None and pen.pieces(cut) >= 2 and len(cut) < len(segments)


@pytest.mark.parametrize("bad", [["0.3", "0.1"], ["0", "0.1"], ["0.1", "1.5"]])
def test_a_pen_range_out_of_order_or_out_of_zero_to_one_is_refused(bad, capsys):
    parser = argparse.ArgumentParser(prog="bench")
    pen.pen_option(parser, pen.PEN, "the digit's height")
    with pytest.raises(SystemExit):
        parser.parse_args(["--pen", *bad])
    assert "--pen LOW HIGH: need 0 < LOW <= HIGH <= 1" in capsys.readouterr().err


def test_a_pen_range_parses_to_a_tuple_that_equals_its_default():
    parser = argparse.ArgumentParser()
    pen.pen_option(parser, pen.PEN, "the digit's height")
    assert parser.parse_args([]).pen == pen.PEN  # the benchmarks name their result file by this comparison
    assert parser.parse_args(["--pen", "0.15", "0.3"]).pen == (0.15, 0.3)
