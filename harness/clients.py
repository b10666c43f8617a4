"""The same drawing as different clients send it: a browser canvas, Pillow, OpenCV, a JPEG, an MNIST-style PNG."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from harness.images import png


def rgba_of(data: bytes) -> np.ndarray:
    """(H, W, 4) uint8 pixels of an image."""
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGBA"))


def on_white(rgba: np.ndarray) -> Image.Image:
    """The drawing flattened onto white, as a photo or a scan would have it."""
    return Image.alpha_composite(Image.new("RGBA", rgba.shape[1::-1], "white"), Image.fromarray(rgba)).convert("RGB")


def pillow_png(rgba: np.ndarray) -> bytes:
    """Pillow's PNG encoder (zlib level 6, adaptive filters: Sub, Up, Average, Paeth rows), as scripts send."""
    return png(Image.fromarray(rgba, "RGBA"))


def opencv_png(rgba: np.ndarray) -> bytes:
    """OpenCV's cv2.imencode PNG (libpng, its default filters and level), as scripts send."""
    import cv2

    ok, data = cv2.imencode(".png", cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))
    assert ok
    return data.tobytes()


def jpeg(rgba: np.ndarray, quality: int = 90) -> bytes:
    """A JPEG of the drawing on white (quality 90)."""
    buf = io.BytesIO()
    on_white(rgba).save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def mnist_style(digit: np.ndarray) -> bytes:
    """A 28x28 gray PNG, white on black, like an MNIST digit saved as a file."""
    return png(Image.fromarray(digit.astype(np.uint8), "L"))


ENCODERS = ("chromium", "pillow", "opencv", "jpeg")  # the names of `encodings`, in its order


def encodings(canvas_png: bytes) -> dict[str, bytes]:
    """A browser's canvas PNG, and the same pixels as Pillow, OpenCV and a JPEG encoder write them."""
    rgba = rgba_of(canvas_png)
    return dict(zip(ENCODERS, (canvas_png, pillow_png(rgba), opencv_png(rgba), jpeg(rgba)), strict=True))
