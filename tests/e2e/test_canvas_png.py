"""What real Chromium's canvas export looks like to the server: the fast PNG path, Pillow's exact pixels."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from backend import png, preprocess
from harness.browser import chromium_canvas
from harness.images import ONE, SEVEN

MAX_PIXELS = 4096 * 4096


@pytest.mark.parametrize("size", [280, 400])  # what the page uploads, and the bench's canvas
@pytest.mark.parametrize("stroke", [ONE, SEVEN], ids=["one", "seven"])
def test_chromium_canvas_png_takes_the_fast_path(browser, size, stroke):
    k = size / 400
    data = chromium_canvas([(round(x * k), round(y * k)) for x, y in stroke], round(24 * k), size, browser)
    fast = png.read(data, MAX_PIXELS)
    assert fast is not None, "Chromium's canvas PNG fell back to Pillow"
    pillow = np.asarray(Image.open(io.BytesIO(data)))
    assert fast.shape == (size, size, 4) and np.array_equal(fast, pillow)
    assert fast[..., 3].max() == 255 and fast[0, 0, 3] == 0  # a solid stroke on a transparent canvas
    field = preprocess.prepare(data, "mnist-digit", [0.1307], [0.3081], MAX_PIXELS).field
    assert field.max() == 255 and field[:2].max() == 0  # drawn and placed in the MNIST field
