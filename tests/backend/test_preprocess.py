"""Preprocessing on real MNIST digits pasted onto canvases, on every image mode, and on empty images."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from backend import decode, preprocess
from backend.config import load_settings
from backend.predictor import load
from harness import MNIST_CKPT
from harness.images import ENCODINGS, encode, paste_digit, png, render

MEAN, STD, MAX_PIXELS = [0.1307], [0.3081], 4096 * 4096


def field_of(data: bytes) -> np.ndarray:
    return preprocess.prepare(data, "mnist-digit", MEAN, STD, MAX_PIXELS).field


@pytest.fixture(scope="module")
def canvases(mnist_test):
    """600 real test digits at random size and place on a 400x400 canvas, cycling the three encodings."""
    images, labels = mnist_test
    rng = np.random.default_rng(2026)
    picks = rng.choice(len(images), 600, replace=False)
    out = []
    for n, i in enumerate(picks):
        size = int(rng.integers(56, 380))
        top, left = (int(v) for v in rng.integers(0, 400 - size + 1, 2))
        ink = paste_digit(images[i, 0].numpy(), 400, size, top, left)
        out.append((images[i, 0].numpy(), int(labels[i]), png(render(ink, ENCODINGS[n % 3]))))
    return out


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.astype(np.float64).ravel(), b.astype(np.float64).ravel())[0, 1])


def test_canvas_digits_come_back_close_to_the_original(canvases):
    scores = np.array([correlation(field_of(data), original) for original, _, data in canvases])
    assert np.median(scores) > 0.9 and np.percentile(scores, 5) > 0.75


def test_canvas_digits_are_classified_like_mnist(canvases):
    predictor = load("mnist", MNIST_CKPT, load_settings({"device": "cpu"}))
    inputs = np.stack([preprocess.prepare(d, "mnist-digit", MEAN, STD, MAX_PIXELS).input for _, _, d in canvases])
    predicted = predictor.predict(inputs).argmax(1)
    labels = np.array([label for _, label, _ in canvases])
    for enc in range(3):  # each encoding on its own, so one broken path cannot hide behind the others
        assert (predicted[enc::3] == labels[enc::3]).mean() >= 0.98, ENCODINGS[enc]


def test_field_follows_the_mnist_recipe(canvases):
    for _, _, data in canvases[:50]:
        field = field_of(data).astype(np.float64)
        rows, cols = np.flatnonzero(field.max(1) > 0), np.flatnonzero(field.max(0) > 0)
        longer = max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1
        assert 19 <= longer <= 21  # the 20 px box, give or take anti-aliased edge pixels
        ys, xs = np.indices(field.shape)
        cy, cx = (ys * field).sum() / field.sum(), (xs * field).sum() / field.sum()
        assert abs(cy - 14) <= 0.75 and abs(cx - 14) <= 0.75


def _gray_square(bg: int, fg: int, size: int = 64) -> np.ndarray:
    arr = np.full((size, size), bg, dtype=np.uint8)
    arr[16:48, 24:40] = fg
    return arr


def _palette_with_transparency() -> Image.Image:
    img = Image.fromarray(_gray_square(0, 1), "P")  # index 0 = background, 1 = ink
    img.putpalette([255, 255, 255, 68, 68, 68])
    return Image.open(io.BytesIO(png(img, transparency=0)))  # as a browser would send it


CASES = {
    "RGBA on transparent": lambda: Image.fromarray(
        np.dstack([_gray_square(0, 68)] * 3 + [_gray_square(0, 255)]), "RGBA"
    ),
    "LA on transparent": lambda: Image.fromarray(np.dstack([_gray_square(0, 68), _gray_square(0, 255)]), "LA"),
    "L dark on white": lambda: Image.fromarray(_gray_square(255, 0), "L"),
    "L white on black": lambda: Image.fromarray(_gray_square(0, 255), "L"),
    "RGB blue on white": lambda: Image.fromarray(
        np.dstack([_gray_square(255, 0), _gray_square(255, 0), _gray_square(255, 200)]), "RGB"
    ),
    "I;16 white on black": lambda: Image.fromarray(_gray_square(0, 255).astype(np.uint16) * 257),
    "P with transparency": lambda: _palette_with_transparency(),
    "1-bit": lambda: Image.fromarray(_gray_square(255, 0), "L").convert("1"),
    "CMYK": lambda: Image.fromarray(_gray_square(255, 0), "L").convert("CMYK"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_ink_map_finds_the_square_in_every_mode(name):
    img = CASES[name]()
    ink = decode.ink_of(encode(img, "JPEG" if img.mode == "CMYK" else "PNG"), MAX_PIXELS)
    inside, outside = ink[16:48, 24:40], np.concatenate([ink[:16].ravel(), ink[48:].ravel()])
    assert ink.dtype == np.uint8 and inside.min() > 128 and outside.max() < 13


def test_translucent_backdrop_is_not_ink():
    rgba = np.zeros((64, 64, 4), dtype=np.uint8)
    rgba[..., 3] = 128  # a half-transparent sheet...
    rgba[16:48, 24:40, 3] = 255  # ...with an opaque stroke on it
    ink = decode.ink_of(png(Image.fromarray(rgba, "RGBA")), MAX_PIXELS)
    assert ink[16:48, 24:40].min() == 255 and ink[:16].max() == 0


def test_ink_that_covers_most_of_a_transparent_canvas_border_is_still_ink():
    rgba = np.zeros((64, 64, 4), dtype=np.uint8)
    rgba[..., :3] = 68
    rgba[:, :40, 3] = 255  # a thick stroke over 40 of 64 columns: 142 of the border's 252 pixels are ink
    ink = decode.ink_of(png(Image.fromarray(rgba, "RGBA")), MAX_PIXELS)
    assert ink[:, :40].min() == 255 and ink[:, 40:].max() == 0  # not taken for an opaque backdrop (all ink gone)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "BMP", "GIF"])
def test_every_accepted_format_decodes(fmt):
    img = Image.fromarray(_gray_square(255, 0, 96), "L").convert("RGB")
    field = field_of(encode(img, fmt))
    assert field.max() > 200 and field[0].max() == 0


def test_16_bit_png_keeps_its_range():
    arr = _gray_square(0, 255, 96).astype(np.uint16) * 257
    img = Image.fromarray(arr)
    assert img.mode == "I;16"
    assert field_of(png(img)).max() > 200


@pytest.mark.parametrize(
    "make",
    [
        lambda: Image.new("RGBA", (400, 400), (0, 0, 0, 0)),
        lambda: Image.new("RGB", (400, 400), "white"),
        lambda: Image.new("L", (400, 400), 0),
        lambda: Image.fromarray(np.pad(np.full((1, 1), 255, np.uint8), 199), "L"),  # one speck
    ],
    ids=["transparent", "white", "black", "speck"],
)
def test_empty_canvas_is_its_own_answer(make):
    with pytest.raises(preprocess.PreprocessError) as err:
        field_of(png(make()))
    assert err.value.code == "empty_image"


def _faint_specks() -> bytes:
    """Four specks of 20% ink at the corners of a 300 px box: the box is read, and shrunk to 20 or 28 px it holds
    nothing."""
    pixels = np.zeros((400, 400), np.uint8)
    pixels[[50, 50, 349, 349], [50, 349, 50, 349]] = 50
    return png(Image.fromarray(pixels, "L"))


@pytest.mark.parametrize("route", ["/predict", "/predict?model=fashion-mnist", "/predict/number"])
def test_faint_specks_far_apart_are_an_empty_image_on_every_route(client, route):
    r = client.post(route, data=_faint_specks(), content_type="image/png")
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "empty_image"  # was a 500 (NaN centre of mass)


def test_fashion_recipe_fills_the_field():
    img = Image.fromarray(_gray_square(255, 30, 200), "L")
    field = preprocess.prepare(png(img), "fashion-mnist-image", [0.286], [0.353], MAX_PIXELS).field
    rows = np.flatnonzero(field.max(1) > 0)
    assert rows[-1] - rows[0] + 1 >= 27  # longer side scaled to the full 28 px
