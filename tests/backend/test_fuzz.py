"""Property-based: any image of any shape, dtype and mode gives a valid model input or a clear error."""

from __future__ import annotations

import io

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image

from backend import preprocess
from models.recipe import PAIR_FIELD

CODES = {"empty_body", "undecodable_image", "empty_image", "unsupported_image_format", "image_too_large"}
MEAN, STD = [0.1307], [0.3081]

shapes = st.tuples(st.integers(1, 48), st.integers(1, 48)).flatmap(
    lambda hw: st.sampled_from([hw, (*hw, 2), (*hw, 3), (*hw, 4)])
)
images = st.one_of(
    shapes.flatmap(lambda s: arrays(np.uint8, s)),
    st.tuples(st.integers(1, 48), st.integers(1, 48)).flatmap(lambda s: arrays(np.uint16, s)),
)
formats = st.sampled_from(["PNG", "BMP", "GIF", "WEBP", "JPEG"])


def outcome(data: bytes, recipe: str = "mnist-digit"):
    try:
        return preprocess.prepare(data, recipe, MEAN, STD, 4096 * 4096)
    except preprocess.PreprocessError as exc:
        assert exc.code in CODES and exc.message
        return exc


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(arr=images, fmt=formats, recipe=st.sampled_from(list(preprocess.RECIPES)))
def test_any_image_gives_a_valid_input_or_a_clear_error(arr, fmt, recipe):
    img = Image.fromarray(arr)
    if fmt in ("JPEG", "BMP", "GIF") and img.mode not in ("L", "RGB"):
        img = img.convert("RGB") if img.mode in ("RGBA", "LA") else img.convert("L")
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    result = outcome(buf.getvalue(), recipe)
    if isinstance(result, preprocess.Prepared):
        shape = PAIR_FIELD if recipe == "mnist-pair" else (28, 28)
        assert result.input.shape == (1, *shape) and result.input.dtype == np.float32
        assert np.isfinite(result.input).all()
        assert result.field.dtype == np.uint8 and result.field.shape == shape and result.field.max() > 0


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=2048))
def test_any_bytes_give_a_clear_error_or_an_input(data):
    outcome(data)


@settings(max_examples=100, deadline=None)
@given(data=st.binary(min_size=8, max_size=600), cut=st.integers(8, 600))
def test_png_header_followed_by_junk(data, cut):
    outcome(b"\x89PNG\r\n\x1a\n" + data[:cut])
