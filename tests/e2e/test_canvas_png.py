"""What real Chromium's canvas export looks like to the server: the decode (Wuffs) is Pillow's, to the pixel."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from backend import decode, preprocess
from harness.browser import chromium_canvas
from harness.images import ONE, SEVEN

MAX_PIXELS = 4096 * 4096


@pytest.mark.parametrize("size", [280, 400])  # what the page uploads, and the bench's canvas
@pytest.mark.parametrize("stroke", [ONE, SEVEN], ids=["one", "seven"])
def test_chromium_canvas_png_decodes_to_its_alpha_channel(browser, size, stroke):
    k = size / 400
    data = chromium_canvas([(round(x * k), round(y * k)) for x, y in stroke], round(24 * k), size, browser)
    info = decode.png_info(data)
    assert (info.width, info.height, info.depth, info.colour) == (size, size, 8, 6)  # 8-bit RGBA, as Chromium writes
    ink = decode.ink_of(data, MAX_PIXELS)
    pillow = np.asarray(Image.open(io.BytesIO(data)))
    assert ink.dtype == np.uint8 and np.array_equal(ink, pillow[..., 3])
    assert ink.max() == 255 and ink[0, 0] == 0  # a solid stroke on a transparent canvas
    field = preprocess.prepare(data, "mnist-digit", [0.1307], [0.3081], MAX_PIXELS).field
    assert field.max() == 255 and field[:2].max() == 0  # drawn and placed in the MNIST field
