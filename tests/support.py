"""Helpers shared by the tests: canvas images made from real MNIST digits, PNG encoding, free ports."""

from __future__ import annotations

import io
import socket

import numpy as np
from PIL import Image

INK = 0x44  # react-canvas-draw's default #444 brush


def png(img: Image.Image, **kw) -> bytes:
    """Encode a PIL image as PNG bytes."""
    buf = io.BytesIO()
    img.save(buf, format="PNG", **kw)
    return buf.getvalue()


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
    from PIL import ImageDraw

    img = Image.new("RGBA", (canvas, canvas), (0, 0, 0, 0))
    ImageDraw.Draw(img).line(points, fill=(INK, INK, INK, 255), width=width, joint="curve")
    return png(img)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
