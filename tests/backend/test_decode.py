"""Decoding (backend/decode.py): every PNG any encoder writes gives the ink of Pillow's own pixels; damage is refused."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import tracemalloc
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image

from backend import decode
from harness import ROOT
from harness.hostile import png_declaring
from harness.images import SEVEN, encode, png_filtered, png_interlaced, stroke_canvas
from harness.images import png as pil_png

MAX_PIXELS = 4096 * 4096

pixel_arrays = st.tuples(st.integers(2, 24), st.integers(2, 24), st.sampled_from([1, 2, 3, 4])).flatmap(
    lambda s: arrays(np.uint8, s if s[2] > 1 else s[:2])
)


def pillow_reference(data: bytes) -> np.ndarray:
    """The ink of the same bytes decoded by Pillow, the trusted reference."""
    return decode._pillow_ink(Image.open(io.BytesIO(data)))


@settings(max_examples=200, deadline=None)
@given(pixels=pixel_arrays, data=st.data())
def test_every_row_filter_gives_pillows_ink(pixels, data):
    filters = data.draw(st.lists(st.integers(0, 4), min_size=len(pixels), max_size=len(pixels)))
    encoded = png_filtered(pixels, filters)  # None, Sub, Up, Average and Paeth rows, as adaptive encoders write
    ink = decode.ink_of(encoded, MAX_PIXELS)
    assert ink.dtype == np.uint8 and ink.shape == pixels.shape[:2]
    assert np.array_equal(ink, pillow_reference(encoded))


@pytest.mark.parametrize(
    "make",
    [
        lambda: Image.fromarray(np.random.default_rng(0).integers(0, 256, (30, 20, 4), dtype=np.uint8), "RGBA"),
        lambda: Image.fromarray(np.random.default_rng(1).integers(0, 256, (30, 20, 2), dtype=np.uint8), "LA"),
        lambda: Image.fromarray(np.random.default_rng(2).integers(0, 256, (30, 20), dtype=np.uint8), "L").convert("1"),
        lambda: Image.fromarray(np.random.default_rng(3).integers(0, 60000, (30, 20), dtype=np.uint16)),
        lambda: Image.fromarray(np.random.default_rng(4).integers(0, 4, (30, 20), dtype=np.uint8), "P"),
    ],
    ids=["rgba", "gray+alpha", "1-bit", "16-bit", "palette"],
)
@pytest.mark.parametrize("optimize", [False, True], ids=["default", "optimize"])
def test_pillow_written_pngs_of_every_mode(make, optimize):
    img = make()
    if img.mode == "P":
        img.putpalette([255, 255, 255, 68, 68, 68, 0, 0, 0, 200, 10, 10])
    data = pil_png(img, optimize=optimize)
    assert np.array_equal(decode.ink_of(data, MAX_PIXELS), pillow_reference(data))


@settings(max_examples=50, deadline=None)
@given(pixels=pixel_arrays)
def test_interlaced_pngs(pixels):
    data = png_interlaced(pixels)
    assert np.array_equal(decode.ink_of(data, MAX_PIXELS), pillow_reference(data))


@pytest.mark.parametrize("mode, key", [("P", 0), ("L", 255), ("RGB", (255, 255, 255))], ids=["palette", "gray", "rgb"])
def test_transparency_keys_become_alpha(mode, key):
    stroke = np.pad(np.full((10, 10), 68, np.uint8), 5, constant_values=255)  # #444 on white
    if mode == "P":
        img = Image.fromarray((stroke == 68).astype(np.uint8), "P")
        img.putpalette([255, 255, 255, 68, 68, 68])
    else:
        img = Image.fromarray(stroke, "L").convert(mode)
    data = pil_png(img, transparency=key)  # the white is transparent: the stroke is the ink
    ink = decode.ink_of(data, MAX_PIXELS)
    assert ink[5:15, 5:15].min() == 255 and ink[:5].max() == 0
    assert np.array_equal(ink, pillow_reference(data))


def test_opencv_writes_what_pillow_reads():
    import cv2

    rgba = np.asarray(Image.open(io.BytesIO(stroke_canvas(SEVEN))))
    for level in (1, 9):
        ok, data = cv2.imencode(".png", cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA), [cv2.IMWRITE_PNG_COMPRESSION, level])
        assert ok and np.array_equal(decode.ink_of(data.tobytes(), MAX_PIXELS), rgba[..., 3])


def test_an_exif_orientation_in_a_png_is_applied():
    seven = Image.open(io.BytesIO(stroke_canvas(SEVEN)))
    exif = Image.Exif()
    exif[0x0112] = 6  # stored turned; "rotate 90 clockwise to view"
    data = encode(seven.transpose(Image.Transpose.ROTATE_90), "PNG", exif=exif.tobytes())
    assert b"eXIf" in data
    assert np.array_equal(decode.ink_of(data, MAX_PIXELS), np.asarray(seven)[..., 3])


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    out, pos = [], 8
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        out.append((data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + n]))
        pos += 12 + n
    return out


def _assemble(chunks: list[tuple[bytes, bytes]]) -> bytes:
    body = b"".join(struct.pack(">I", len(d)) + k + d + struct.pack(">I", zlib.crc32(k + d)) for k, d in chunks)
    return decode.PNG_SIGNATURE + body


GOOD = png_filtered(np.full((8, 8, 4), 200, np.uint8), [2] * 8)


@pytest.mark.parametrize(
    "name, data, code",
    [
        ("bad CRC", GOOD[:-20] + bytes([GOOD[-20] ^ 1]) + GOOD[-19:], "undecodable_image"),
        ("truncated", GOOD[: len(GOOD) - 15], "undecodable_image"),
        ("no IEND", GOOD[:-12], "undecodable_image"),
        ("no header", _assemble([(b"IDAT", zlib.compress(b"\0" * 9)), (b"IEND", b"")]), "undecodable_image"),
        ("0x0", png_declaring(0, 0), "undecodable_image"),
        ("too many pixels", png_declaring(60000, 60000), "image_too_large"),
        (
            "too little data",
            _assemble([_chunks(GOOD)[0], (b"IDAT", zlib.compress(bytes(33 * 7))), (b"IEND", b"")]),
            "undecodable_image",
        ),
        (
            "data past the last row",  # libspng and Pillow ignored the excess; Wuffs refuses it
            _assemble([_chunks(GOOD)[0], (b"IDAT", zlib.compress(bytes(33 * 9))), (b"IEND", b"")]),
            "undecodable_image",
        ),
        ("not an image", b"hello", "undecodable_image"),
        ("svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "unsupported_image_format"),
        ("tiff", encode(Image.new("L", (8, 8)), "TIFF"), "unsupported_image_format"),
        ("empty", b"", "empty_body"),
    ],
)
def test_damage_is_refused_with_its_code(name, data, code):
    with pytest.raises(decode.PreprocessError) as err:
        decode.ink_of(data, MAX_PIXELS)
    assert err.value.code == code and err.value.message


def test_a_deflate_bomb_is_not_inflated():
    header = struct.pack(">IIBBBBB", 100, 100, 8, 0, 0, 0, 0)
    bomb = zlib.compress(bytes(200_000_000), 9)  # ~200 KB that inflate to 200 MB
    data = _assemble([(b"IHDR", header), (b"IDAT", bomb), (b"IEND", b"")])
    tracemalloc.start()
    try:
        try:
            decode.ink_of(data, MAX_PIXELS)
        except decode.PreprocessError:
            pass
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000  # it stopped after the 10,100 bytes the image holds


PEAK_OF_ONE_DECODE = """
import sys
from backend import decode

def status(key):  # bytes
    return next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith(key + ":"))

decode.ink_of(open(sys.argv[1], "rb").read(), 1 << 24)  # a first decode loads everything a decode needs
data = open(sys.argv[2], "rb").read()
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # the peak resident size (VmHWM) starts again from the resident size now
before = status("VmRSS")
decode.ink_of(data, 1 << 24)
print(status("VmHWM") - before)
"""


def _peak_of_one_decode(img: Image.Image, folder) -> int:
    """Bytes the peak resident size of a fresh process rose by while it read `img` as a PNG (after a small one);
    the PNG is left in `folder` as large.png."""
    (folder / "small.png").write_bytes(pil_png(img.resize((64, 64))))
    (folder / "large.png").write_bytes(pil_png(img))
    out = subprocess.run(
        [sys.executable, "-c", PEAK_OF_ONE_DECODE, str(folder / "small.png"), str(folder / "large.png")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout)


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA"])
def test_a_large_png_peaks_at_two_copies_of_its_pixels_in_rgba(tmp_path, mode):
    """Wuffs decodes into RGBA and pywuffs hands out a copy: 8 bytes a pixel at the peak (128 MB for the largest
    image accepted by default), and no more (8.5 allows for the allocator): Wuffs' own buffer is freed before the
    ink is made."""
    side = 3072
    gray = np.full((side, side), 255, np.uint8)
    gray[side // 4 : -side // 4, side // 2 - 200 : side // 2 + 200] = 68
    img = (
        Image.fromarray(gray, "L").convert(mode)
        if mode != "RGBA"
        else Image.fromarray(np.dstack([np.zeros((side, side, 3), np.uint8), 255 - gray]), "RGBA")
    )
    assert _peak_of_one_decode(img, tmp_path) <= 8.5 * side * side


def test_a_large_photo_of_a_sheet_on_a_table_peaks_at_two_copies_of_its_pixels_in_rgba(tmp_path):
    """A noisy photo takes the photo path (its paper's level, the sheet on the table) within the same bound."""
    side = 3072
    rng = np.random.default_rng(0)
    photo = np.full((side, side), 60.0)
    photo[400:-400, 600:-600] = np.linspace(230, 120, side - 1200)[None, :]  # the sheet, its light falling
    photo[1200:-1200, side // 2 - 100 : side // 2 + 100] = 50  # the writing: a 1
    pixels = np.clip(photo + rng.normal(0, 6, photo.shape), 0, 255).astype(np.uint8)
    img = Image.fromarray(pixels, "L").convert("RGB")
    assert _peak_of_one_decode(img, tmp_path) <= 8.5 * side * side
    ink = decode.ink_of((tmp_path / "large.png").read_bytes(), 1 << 24)
    assert ink[side // 2, side // 2] > 128 and ink[side // 2, 800] == 0 and not ink[:300].any()  # the 1 alone


def test_the_size_limit_is_checked_before_decoding():
    data = pil_png(Image.new("L", (300, 300), 255))
    with pytest.raises(decode.PreprocessError) as err:
        decode.ink_of(data, max_pixels=200 * 200)
    assert err.value.code == "image_too_large"
