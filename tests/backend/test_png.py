"""The fast PNG path (backend/png.py): exactly Pillow's pixels when it answers, and None otherwise."""

from __future__ import annotations

import io
import struct
import tracemalloc
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image

from backend import png, preprocess
from harness.images import png as pil_png
from harness.images import png_filtered

MAX_PIXELS = 4096 * 4096

pixel_arrays = st.tuples(st.integers(1, 24), st.integers(1, 24), st.sampled_from([1, 2, 3, 4])).flatmap(
    lambda s: arrays(np.uint8, s if s[2] > 1 else s[:2])
)


def pillow_pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)))


def encode_with_drawn_filters(pixels: np.ndarray, data, kinds: list[int]) -> tuple[list[int], bytes]:
    """A filter type drawn from `kinds` for every row, and the PNG written with them."""
    filters = data.draw(st.lists(st.sampled_from(kinds), min_size=len(pixels), max_size=len(pixels)))
    return filters, png_filtered(pixels, filters)


@settings(max_examples=200, deadline=None)
@given(pixels=pixel_arrays, data=st.data())
def test_none_sub_up_rows_decode_to_the_exact_pixels(pixels, data):
    filters, encoded = encode_with_drawn_filters(pixels, data, [0, 1, 2])
    fast = png.read(encoded, MAX_PIXELS)
    assert fast is not None
    assert fast.dtype == np.uint8 and np.array_equal(fast, pixels)
    assert np.array_equal(fast, pillow_pixels(encoded))


@settings(max_examples=100, deadline=None)
@given(pixels=pixel_arrays, data=st.data())
def test_the_alpha_channel_alone_is_the_last_channel_of_the_whole(pixels, data):
    filters, encoded = encode_with_drawn_filters(pixels, data, [0, 1, 2])
    alpha = png.read_alpha(encoded, MAX_PIXELS)
    if pixels.ndim == 2 or pixels.shape[2] == 3:  # gray or RGB: no alpha to read
        assert alpha is None
    else:
        assert alpha.shape == pixels.shape[:2] and np.array_equal(alpha, pixels[..., -1])


@settings(max_examples=100, deadline=None)
@given(pixels=pixel_arrays, data=st.data())
def test_average_or_paeth_rows_are_left_to_pillow(pixels, data):
    filters, encoded = encode_with_drawn_filters(pixels, data, [0, 1, 2, 3, 4])
    fast = png.read(encoded, MAX_PIXELS)
    assert (fast is None) == any(f > 2 for f in filters)
    assert np.array_equal(preprocess.decode(encoded, MAX_PIXELS), pixels)  # either way, the same pixels


def test_a_drawing_with_blank_margins_and_every_fast_filter():
    """The busy-box shortcut: rows above, below and beside the drawing, anchors inside and below it."""
    rng = np.random.default_rng(0)
    pixels = np.zeros((60, 50, 4), np.uint8)
    pixels[20:40, 10:30] = rng.integers(0, 256, (20, 20, 4), dtype=np.uint8)
    reaching_the_bottom = pixels.copy()
    reaching_the_bottom[40:, 10:30] = 7  # below the busy rows, Up rows copy the last one
    for img in (pixels, reaching_the_bottom):
        for filters in ([2] * 60, [0] * 60, [1] * 60, [2] * 45 + [0] + [2] * 14, list(rng.integers(0, 3, 60))):
            assert np.array_equal(png.read(png_filtered(img, filters), MAX_PIXELS), img), filters


@pytest.mark.parametrize("mode", ["L", "LA", "RGB", "RGBA"])
def test_pillow_encoded_images_agree_or_fall_back(mode):
    rng = np.random.default_rng(1)
    smooth = np.cumsum(rng.integers(0, 3, (40, 30, 4)), axis=1).astype(np.uint8)  # what Pillow filters Sub/Up
    img = Image.fromarray(smooth, "RGBA").convert(mode)
    encoded = pil_png(img)
    fast = png.read(encoded, MAX_PIXELS)
    assert fast is None or np.array_equal(fast, pillow_pixels(encoded))


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    out, pos = [], 8
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        out.append((data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + n]))
        pos += 12 + n
    return out


def _assemble(chunks: list[tuple[bytes, bytes]]) -> bytes:
    body = b"".join(struct.pack(">I", len(d)) + k + d + struct.pack(">I", zlib.crc32(k + d)) for k, d in chunks)
    return png.SIGNATURE + body


GOOD = png_filtered(np.full((8, 8, 4), 200, np.uint8), [2] * 8)


def _with_header(interlace: int) -> bytes:
    (_, header), *rest = _chunks(GOOD)
    return _assemble([(b"IHDR", header[:12] + bytes([interlace])), *rest])


def _with_chunk(kind: bytes, payload: bytes) -> bytes:
    chunks = _chunks(GOOD)
    return _assemble([chunks[0], (kind, payload), *chunks[1:]])


@pytest.mark.parametrize(
    "name, data",
    [
        ("bad CRC", GOOD[:-20] + bytes([GOOD[-20] ^ 1]) + GOOD[-19:]),
        ("truncated", GOOD[: len(GOOD) - 15]),
        ("no IEND", GOOD[:-12]),
        ("tRNS", _with_chunk(b"tRNS", b"\x00\x00")),
        ("eXIf", _with_chunk(b"eXIf", b"MM\x00*\x00\x00\x00\x08\x00\x00")),
        ("APNG", _with_chunk(b"acTL", struct.pack(">II", 1, 0))),
        ("unknown critical chunk", _with_chunk(b"ABCD", b"")),
        ("16-bit", pil_png(Image.fromarray(np.full((8, 8), 300, np.uint16)))),
        ("palette", pil_png(Image.new("P", (8, 8)))),
        ("interlaced", _with_header(interlace=1)),
    ],
)
def test_what_the_fast_path_leaves_to_pillow(name, data):
    assert png.read(data, MAX_PIXELS) is None


def test_damaged_pngs_keep_their_pillow_errors():
    bad_crc = GOOD[:-20] + bytes([GOOD[-20] ^ 1]) + GOOD[-19:]
    with pytest.raises(preprocess.PreprocessError) as err:
        preprocess.decode(bad_crc, MAX_PIXELS)
    assert err.value.code == "undecodable_image"


def test_too_much_or_too_little_image_data_is_refused():
    header, _, end = _chunks(GOOD)
    for rows in (7, 9):  # the stream holds 7 or 9 rows of an 8-row RGBA image: 1 filter byte + 32 per row
        stream = zlib.compress(bytes(33 * rows))
        assert png.read(_assemble([header, (b"IDAT", stream), end]), MAX_PIXELS) is None


def test_a_deflate_bomb_is_not_inflated():
    header = struct.pack(">IIBBBBB", 100, 100, 8, 0, 0, 0, 0)
    bomb = zlib.compress(bytes(200_000_000), 9)  # ~200 KB that inflate to 200 MB
    data = _assemble([(b"IHDR", header), (b"IDAT", bomb), (b"IEND", b"")])
    tracemalloc.start()
    try:
        assert png.read(data, MAX_PIXELS) is None
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000  # it stopped after the 10,101 bytes it needed (the bomb itself is ~200 KB)


def test_a_huge_declared_size_is_not_read():
    header = struct.pack(">IIBBBBB", 60000, 60000, 8, 6, 0, 0, 0)
    data = _assemble([(b"IHDR", header), (b"IDAT", zlib.compress(b"")), (b"IEND", b"")])
    assert png.read(data, MAX_PIXELS) is None
    with pytest.raises(preprocess.PreprocessError) as err:
        preprocess.decode(data, MAX_PIXELS)
    assert err.value.code == "image_too_large"
