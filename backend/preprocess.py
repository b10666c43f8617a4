"""Image bytes -> the 28x28 input a model was trained on. Pure functions: no Flask, no torch.

The MNIST recipe (LeCun et al.): the digit's bounding box is scaled, aspect kept and
anti-aliased, so that its longer side is 20 px; it is then placed in a 28x28 field so that
its centre of mass lies at the field's centre (pixel (14, 14), measured on the real test set).
Fashion-MNIST's recipe: trim to the object, scale the longer side to 28 px, centre it.
Both data sets store bright ink on a dark background, so every image is first turned into
an "ink map": 1 where there is ink, 0 where there is background.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from backend import png
from models import runtime

FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "GIF")
FIELD = 28
DIGIT_BOX = 20
MNIST_CENTRE = 14.0  # mean centre of mass of the MNIST test digits, in pixel indices
INK_THRESHOLD = 0.1  # of the peak ink: what counts as ink for the bounding box
MIN_PEAK = 0.15  # weaker than this everywhere: nothing is drawn
MIN_INK_PIXELS = 3


class PreprocessError(ValueError):
    """An image we cannot turn into a model input; `code` names the reason for the API."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Prepared:
    """A model input (C, 28, 28) normalised float32, the same field as uint8 for people to see, and
    whether the field looks like what the model was trained on (False: the answer should not be trusted)."""

    input: np.ndarray
    field: np.ndarray
    plausible: bool = True


def decode(data: bytes, max_pixels: int) -> np.ndarray:
    """Bytes -> the pixels of the first frame of a PNG/JPEG/WebP/BMP/GIF, upright per EXIF.

    uint8 (H, W) gray, (H, W, 2) gray+alpha, (H, W, 3) RGB or (H, W, 4) RGBA; float32 (H, W) in
    [0, 1] for 16-bit and 32-bit gray. What browsers send takes the fast path in `backend.png`.
    """
    if not data:
        raise PreprocessError("empty_body", "no image data was sent")
    fast = png.read(data, max_pixels)
    return fast if fast is not None else pixels(_open(data, max_pixels))


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """Bytes -> a fully loaded, upright Pillow image, or PreprocessError."""
    try:
        img = Image.open(io.BytesIO(data))  # reads the header only
    except UnidentifiedImageError:
        if b"<svg" in data[:1024].lower():
            raise PreprocessError("unsupported_image_format", "SVG is not accepted; send a PNG") from None
        raise PreprocessError("undecodable_image", "the data is not an image we can read") from None
    except Image.DecompressionBombError:
        raise PreprocessError("image_too_large", f"the image has more than {max_pixels} pixels") from None
    except Exception as exc:  # noqa: BLE001 - Pillow's plugins raise many types on malformed files
        raise PreprocessError("undecodable_image", f"the image cannot be decoded: {exc}") from None
    if img.format not in FORMATS:
        raise PreprocessError(
            "unsupported_image_format", f"{img.format} images are not accepted; send one of {', '.join(FORMATS)}"
        )
    width, height = img.size
    if width < 1 or height < 1:
        raise PreprocessError("undecodable_image", f"the image is {width}x{height} pixels")
    if width * height > max_pixels:
        raise PreprocessError(
            "image_too_large", f"the image is {width}x{height}; at most {max_pixels} pixels are accepted"
        )
    try:
        if img.format == "PNG":  # Pillow skips IDAT checksums while decoding: check every chunk's CRC first
            Image.open(io.BytesIO(data)).verify()
        img.seek(0)  # animated GIF/PNG/WebP: the first frame
        img.load()
        return ImageOps.exif_transpose(img)
    except Exception as exc:  # noqa: BLE001 - as above: any failure to decode untrusted bytes is the sender's
        raise PreprocessError("undecodable_image", f"the image cannot be decoded: {exc}") from None


def pixels(img: Image.Image) -> np.ndarray:
    """A Pillow image in any mode -> the arrays `decode` returns; transparency becomes an alpha channel."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        arr = np.asarray(img, dtype=np.float32)
        top = 65535.0 if arr.max(initial=0) > 255 else 255.0
        return np.clip(arr / top, 0, 1)
    if "transparency" in img.info or img.mode in ("PA", "RGBa", "La"):
        img = img.convert("RGBA")
    elif img.mode not in ("L", "LA", "RGB", "RGBA"):
        img = img.convert("RGB")  # 1-bit, palette, CMYK, YCbCr, ...
    return np.asarray(img)


def _border(arr: np.ndarray) -> np.ndarray:
    return np.concatenate([arr[0], arr[-1], arr[1:-1, 0], arr[1:-1, -1]])


def _luminance(px: np.ndarray) -> np.ndarray:
    """(H, W) gray or (H, W, 3) RGB, uint8 or [0, 1] float -> (H, W) float32 in [0, 1] (ITU-R 601, as Pillow)."""
    scale = 1 / 255 if px.dtype == np.uint8 else 1.0
    if px.ndim == 2:
        return np.multiply(px, scale, dtype=np.float32)
    weights = np.array([0.299, 0.587, 0.114], dtype=np.float32) * scale
    return px @ weights


def ink_map(px: np.ndarray) -> np.ndarray:
    """`decode`'s pixels -> (H, W) ink: 0 = background, full = ink, whatever the mode and colours.

    float32 with full = 1.0; or, for a canvas export (8-bit alpha over a transparent border), its
    alpha channel as uint8 with full = 255 -- the same map, without a float pass over every pixel.
    With real transparency the ink is the alpha channel above the border's; otherwise the
    background is the median of the border and ink is how far a pixel departs from it.
    """
    if px.ndim == 3 and px.shape[2] in (2, 4):  # an alpha channel
        ink = alpha_ink(np.ascontiguousarray(px[..., -1]))
        if ink is not None:
            return ink
        px = px[..., 0] if px.shape[2] == 2 else px[..., :3]
    gray = _luminance(px)
    bg = float(np.median(_border(gray)))
    if bg >= 0.5:  # dark ink on a light background
        ink = (bg - gray) / max(bg, 1e-6)
    else:  # light ink on a dark background
        ink = (gray - bg) / max(1.0 - bg, 1e-6)
    return np.clip(ink, 0, 1).astype(np.float32)


def alpha_ink(alpha: np.ndarray) -> np.ndarray | None:
    """An 8-bit alpha channel -> the ink map, or None when nothing is really transparent (then the colours hold the ink)."""
    if alpha.min() >= 250:
        return None
    bg = float(np.median(_border(alpha)))  # 0 for a canvas export; a translucent backdrop is not ink
    if bg == 0:
        return alpha
    ink = np.subtract(alpha, bg, dtype=np.float32)
    ink *= 1 / max(255.0 - bg, 1.0)
    return np.clip(ink, 0, 1, out=ink)


def ink_of(data: bytes, max_pixels: int) -> np.ndarray:
    """Image bytes -> ink map. A PNG with an alpha channel (a canvas export) has its alpha read alone
    first; only when that holds no transparency are all pixels decoded."""
    alpha = png.read_alpha(data, max_pixels)
    ink = alpha_ink(alpha) if alpha is not None else None
    return ink if ink is not None else ink_map(decode(data, max_pixels))


def ink_crop(ink: np.ndarray) -> np.ndarray:
    """The ink's bounding box cut out of an ink map, as float32 contrast-stretched so that its peak is 1.

    Raises PreprocessError("empty_image") when there is no ink worth reading.
    """
    peak = float(ink.max(initial=0))
    if peak < MIN_PEAK * (255 if ink.dtype == np.uint8 else 1):
        raise PreprocessError("empty_image", "the image is empty: draw a digit first")
    threshold = INK_THRESHOLD * peak
    mask = ink > (int(threshold) if ink.dtype == np.uint8 else threshold)  # int: no float pass over uint8
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    top, left, bottom, right = rows[0], cols[0], rows[-1] + 1, cols[-1] + 1
    if (
        max(bottom - top, right - left) < MIN_INK_PIXELS
        or np.count_nonzero(mask[top:bottom, left:right]) < MIN_INK_PIXELS
    ):
        raise PreprocessError("empty_image", "the image holds only a speck of ink: draw a digit first")
    return np.multiply(ink[top:bottom, left:right], 1 / peak, dtype=np.float32)


def _resize(ink: np.ndarray, width: int, height: int) -> np.ndarray:
    """Anti-aliased resize of a float map: area average when shrinking, bilinear when enlarging."""
    shrinking = width * height < ink.shape[0] * ink.shape[1]
    method = Image.Resampling.BOX if shrinking else Image.Resampling.BILINEAR
    return np.asarray(Image.fromarray(ink, mode="F").resize((width, height), method), dtype=np.float32)


def _fit(crop: np.ndarray, side: int) -> np.ndarray:
    """Scale so that the longer side is `side` px, aspect kept."""
    h, w = crop.shape
    scale = side / max(h, w)
    return _resize(crop, max(1, round(w * scale)), max(1, round(h * scale)))


def _paste(small: np.ndarray, top: int, left: int) -> np.ndarray:
    """Place `small` in a FIELD x FIELD zero field at (top, left), clipping what falls outside."""
    out = np.zeros((FIELD, FIELD), dtype=np.float32)
    h, w = small.shape
    t0, l0 = max(top, 0), max(left, 0)
    t1, l1 = min(top + h, FIELD), min(left + w, FIELD)
    if t1 > t0 and l1 > l0:
        out[t0:t1, l0:l1] = small[t0 - top : t1 - top, l0 - left : l1 - left]
    return out


def mnist_digit(ink: np.ndarray) -> np.ndarray:
    """The MNIST recipe: crop, longer side to 20 px, centre of mass to the field centre. (H, W) -> (28, 28)."""
    digit = _fit(ink_crop(ink), DIGIT_BOX)
    digit = np.clip(digit / max(float(digit.max()), 1e-6), 0, 1)  # MNIST strokes peak at full ink, even thin ones
    rows, cols = digit.sum(1), digit.sum(0)
    mass = rows.sum()
    cy, cx = rows @ np.arange(len(rows)) / mass, cols @ np.arange(len(cols)) / mass
    return _paste(digit, round(MNIST_CENTRE - cy), round(MNIST_CENTRE - cx))


def fashion_item(ink: np.ndarray) -> np.ndarray:
    """Fashion-MNIST's recipe: crop, longer side to 28 px, centre the box. (H, W) -> (28, 28)."""
    item = np.clip(_fit(ink_crop(ink), FIELD), 0, 1)
    h, w = item.shape
    return _paste(item, (FIELD - h) // 2, (FIELD - w) // 2)


RECIPES = {"mnist-digit": mnist_digit, "fashion-mnist-image": fashion_item}
# Mean ink of a 28x28 field: 0.13 for MNIST training digits, 0.29 at the 99.9th percentile, 0.40 at most.
# Far above that the "digit" is a blob, a photo or noise, however confident the network is.
MAX_DIGIT_COVERAGE = 0.35


def plausible(field: np.ndarray, recipe: str) -> bool:
    """Whether a [0, 1] field is within what the recipe's training data looked like."""
    return recipe != "mnist-digit" or float(field.mean()) <= MAX_DIGIT_COVERAGE


def prepare(data: bytes, recipe: str, mean: list[float], std: list[float], max_pixels: int) -> Prepared:
    """Bytes -> Prepared (normalised model input + the 28x28 field), or PreprocessError."""
    field = RECIPES[recipe](ink_of(data, max_pixels))  # (28, 28) in [0, 1]
    normalised = runtime.normalise(field[None], mean, std)  # (1, 28, 28)
    return Prepared(normalised, np.round(field * 255).astype(np.uint8), plausible(field, recipe))
