"""Digits as clients send them: strokes on a canvas, MNIST digits pasted at any size, every encoding."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from harness.strokes import UNIT_DIGITS, place

INK = 0x44  # react-canvas-draw's default #444 brush
# Strokes on a 400x400 canvas that the shipped model reads as these digits.
ONE = [(200, 60), (200, 340)]
SEVEN = [(120, 80), (290, 80), (180, 330)]
ENCODINGS = ("transparent", "white", "black")  # how clients send a drawing: `render` makes each


def png(img: Image.Image, **kw) -> bytes:
    """Encode a PIL image as PNG bytes."""
    buf = io.BytesIO()
    img.save(buf, format="PNG", **kw)
    return buf.getvalue()


def turned(canvas: bytes, degrees: float) -> bytes:
    """A PNG canvas turned `degrees` counter-clockwise onto a canvas grown to hold it, the new corners filled with
    its background (the colour of its top-left pixel): a line of digits written uphill or downhill."""
    img = Image.open(io.BytesIO(canvas)).convert("RGBA")
    return png(img.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=img.getpixel((0, 0))))


def encode(img: Image.Image, fmt: str, **kw) -> bytes:
    """Encode a PIL image in any format."""
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def paste_digit(digit: np.ndarray, canvas: int, size: int, top: int, left: int) -> np.ndarray:
    """A 28x28 uint8 MNIST digit scaled to size x size and placed on a canvas x canvas ink map in [0, 1]."""
    big = Image.fromarray(digit).resize((size, size), Image.Resampling.BILINEAR)
    ink = np.zeros((canvas, canvas), dtype=np.float32)
    ink[top : top + size, left : left + size] = np.asarray(big, dtype=np.float32) / 255
    return ink


def render(ink: np.ndarray, encoding: str) -> Image.Image:
    """An ink map as a browser would send it: 'transparent' (#444 on alpha), 'white' (dark on white), 'black'."""
    a = np.round(ink * 255).astype(np.uint8)
    if encoding == "transparent":
        rgba = np.zeros((*ink.shape, 4), dtype=np.uint8)
        rgba[..., :3] = INK
        rgba[..., 3] = a
        return Image.fromarray(rgba, mode="RGBA")
    if encoding == "white":
        gray = np.round(255 - ink * (255 - INK)).astype(np.uint8)
        return Image.fromarray(np.stack([gray] * 3, -1), mode="RGB")
    if encoding == "black":
        return Image.fromarray(a, mode="L")
    raise ValueError(encoding)


def stroke_canvas(points: list[tuple[int, int]], width: int = 24, canvas: int = 400) -> bytes:
    """A transparent canvas PNG with one polyline stroke of #444, like react-canvas-draw exports."""
    img = Image.new("RGBA", (canvas, canvas), (0, 0, 0, 0))
    ImageDraw.Draw(img).line(points, fill=(INK, INK, INK, 255), width=width, joint="curve")
    return png(img)


def written(text: str, size: tuple[int, int] = (900, 300), gap: float = 1.0) -> bytes:
    """A transparent canvas PNG with `text` written in `harness.strokes`' unit-box strokes, one 130x200 px box per
    character (`gap` < 1 pulls neighbours together), as a number is written on the page's number pad."""
    img = Image.new("RGBA", size, (0, 0, 0, 0))
    _write(img, text, (40, 50), 130 * gap, (100, 200), fill=(INK, INK, INK, 255), width=16)
    return png(img)


def _write(img: Image.Image, text: str, at: tuple[float, float], step: float, box: tuple[int, int], **pen) -> None:
    """`text` in `harness.strokes`' unit-box strokes on `img`: the first character's `box` (w, h) at `at` (x, y), each
    next one `step` px to the right; `pen` is ImageDraw.line's fill and width."""
    draw = ImageDraw.Draw(img)
    for k, char in enumerate(text):
        for stroke in place(UNIT_DIGITS[char], at[0] + k * step, at[1], *box):
            draw.line(stroke, joint="curve", **pen)


def photo(
    ink: np.ndarray,
    light: tuple[int, int] = (210, 210),
    pen: int = 45,
    noise: float = 6.0,
    blur: float = 1.2,
    quality: int = 85,
    table: int | None = None,
    turn: float = 0.0,
    seed: int = 0,
    slope: float = 0.7,
) -> bytes:
    """An ink map (uint8, 255 = full ink) written on paper and photographed, as a JPEG: the paper lit unevenly
    (its brightness from light[0] at the top-left corner to light[1] at the bottom-right, `slope` of the fall
    across and the rest down), the ink at full strength of brightness `pen` (45 a dark pen, 120 a light pencil),
    blurred (`blur` px), with Gaussian sensor noise of `noise` levels: what a phone's camera sends. With `table`,
    the sheet lies turned `turn` degrees on a table of that brightness, in a margin of 0.3 of its shorter side."""
    rng = np.random.default_rng(seed)
    height, width = ink.shape
    x, y = np.linspace(0, 1, width)[None, :], np.linspace(0, 1, height)[:, None]
    paper = light[0] + (light[1] - light[0]) * (slope * x + (1 - slope) * y)
    img = Image.fromarray(np.round(paper - (paper - pen) * ink / 255).astype(np.uint8), "L")
    if table is not None:
        margin = round(0.3 * min(height, width))
        scene = Image.new("L", (width + 2 * margin, height + 2 * margin), table)
        scene.paste(img, (margin, margin))
        img = scene.rotate(turn, Image.Resampling.BILINEAR, fillcolor=table)
    blurred = np.asarray(img.filter(ImageFilter.GaussianBlur(blur)), np.float64)
    pixels = np.clip(blurred + rng.normal(0, noise, blurred.shape), 0, 255).astype(np.uint8)
    return encode(Image.fromarray(pixels).convert("RGB"), "JPEG", quality=quality)


def photographed(text: str, seed: int = 0, **camera) -> bytes:
    """A `photo` of `text` written in the unit-box strokes, 9 px wide, 110x220 px a character, on a sheet 400 px
    tall; `camera`: photo's settings."""
    sheet = Image.new("L", (100 + 170 * len(text), 400), 0)
    _write(sheet, text, (80, 80), 170, (110, 220), fill=255, width=9)
    return photo(np.asarray(sheet), seed=seed, **camera)


def _png_file(width: int, height: int, samples: int, stream: bytes, interlace: int = 0) -> bytes:
    """A PNG of 8-bit pixels around an already filtered and compressed image stream."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    colour = {1: 0, 2: 4, 3: 2, 4: 6}[samples]
    header = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, interlace)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", stream) + chunk(b"IEND", b"")


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def png_interlaced(pixels: np.ndarray) -> bytes:
    """8-bit pixels -> an Adam7-interlaced PNG (rows unfiltered), which neither Pillow nor OpenCV write."""
    arr = pixels if pixels.ndim == 3 else pixels[..., None]
    height, width, samples = arr.shape
    rows = []
    for x0, y0, dx, dy in ADAM7:
        sub = arr[y0::dy, x0::dx]
        if sub.size:
            rows += [b"\x00" + row.tobytes() for row in sub]
    return _png_file(width, height, samples, zlib.compress(b"".join(rows)), interlace=1)


def png_filtered(pixels: np.ndarray, filters: list[int]) -> bytes:
    """8-bit gray/GA/RGB/RGBA pixels -> PNG bytes with the given filter type (0-4) on each row.

    Pillow chooses filters itself; this lets a test make every filter appear where it wants."""
    arr = pixels if pixels.ndim == 3 else pixels[..., None]
    height, width, samples = arr.shape
    rows = arr.reshape(height, width * samples).astype(np.int32)
    out = []
    for y, kind in enumerate(filters):
        x = rows[y]
        up = rows[y - 1] if y else np.zeros_like(x)
        left = np.concatenate([np.zeros(samples, np.int32), x[:-samples]])
        corner = np.concatenate([np.zeros(samples, np.int32), up[:-samples]])
        if kind == 3:
            pred = (left + up) // 2
        elif kind == 4:
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            pred = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, up, corner))
        else:
            pred = [np.zeros_like(x), left, up][kind]
        out.append(bytes([kind]) + ((x - pred) % 256).astype(np.uint8).tobytes())
    return _png_file(width, height, samples, zlib.compress(b"".join(out)))
