"""Image bytes -> an ink map: (H, W) uint8, 0 = background, 255 = full ink. Each input is parsed once.

PNG, what browsers and most scripts send, is decoded by Wuffs (pywuffs) whatever its filters,
after one walk over its chunks that checks every CRC and reads the header (size limit before any
pixel is decoded); Wuffs applies tRNS transparency keys too. JPEG, WebP, BMP, GIF, and the rare
PNGs that need what only Pillow does (an EXIF orientation, 16-bit samples) are decoded by Pillow.
Pure functions: no Flask, no torch.

The ink: with real transparency (a canvas export: `#444` on transparent) it is the alpha channel
above the border's; otherwise the background is the median of the border, and ink is how far a
pixel's luminance departs from it, so dark on white and white on black both work. A photo or a scan,
whose border is not one value (`photographic`), is read against its ground's level where each pixel
lies (paper, or a blackboard), less its camera's noise (`lighting`); one with a dark border may be of a
sheet of paper on a table, whose writing is then read on the sheet alone (`paper.sheet`).
"""

from __future__ import annotations

import io
import math
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pywuffs
from PIL import Image, ImageOps, UnidentifiedImageError
from pywuffs import aux as wuffs

from backend import lighting, paper
from models.recipe import PreprocessError

FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "GIF")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIDE = 512  # a JPEG is decoded at the smallest scale that keeps its short side at least this long
OPAQUE = 250  # an alpha channel whose every value is at least this holds no transparency
NOISE_SIGMAS = 5  # a photo's pixel is ink only this many of its camera's noise sigmas away from its ground


@dataclass(frozen=True)
class PngInfo:
    """What the chunk walk learns of a PNG before any pixel is decoded."""

    width: int
    height: int
    depth: int  # bits per sample
    colour: int  # 0 gray, 2 RGB, 3 palette, 4 gray+alpha, 6 RGBA
    exif: bool  # an eXIf chunk, which may turn the image


def png_info(data: bytes) -> PngInfo:
    """Walk a PNG's chunks up to IEND, checking each CRC; raise PreprocessError on any damage."""
    view, pos, seen = memoryview(data), len(PNG_SIGNATURE), {}
    while True:
        if pos + 12 > len(data):
            raise PreprocessError("undecodable_image", "the PNG is truncated")
        (length,) = struct.unpack_from(">I", data, pos)
        end = pos + 8 + length
        kind = bytes(view[pos + 4 : pos + 8])
        if end + 4 > len(data):
            raise PreprocessError("undecodable_image", f"the PNG is truncated in its {kind!r} chunk")
        if zlib.crc32(view[pos + 4 : end]) != struct.unpack_from(">I", data, end)[0]:
            raise PreprocessError("undecodable_image", f"the PNG's {kind.decode('latin-1')} chunk fails its CRC")
        if kind == b"IHDR" and length >= 13:
            seen[kind] = struct.unpack_from(">IIBB", data, pos + 8)
        seen.setdefault(kind, None)
        if kind == b"IEND":
            break
        pos = end + 4
    if b"IHDR" not in seen or not seen[b"IHDR"]:
        raise PreprocessError("undecodable_image", "the PNG has no valid header")
    return PngInfo(*seen[b"IHDR"], exif=b"eXIf" in seen)


def _check_size(width: int, height: int, max_pixels: int) -> None:
    if width < 1 or height < 1:
        raise PreprocessError("undecodable_image", f"the image is {width}x{height} pixels")
    if width * height > max_pixels:
        raise PreprocessError(
            "image_too_large", f"the image is {width}x{height}; at most {max_pixels} pixels are accepted"
        )


def _border(arr: np.ndarray) -> np.ndarray:
    return np.concatenate([arr[0], arr[-1], arr[1:-1, 0], arr[1:-1, -1]])


LEVELS = np.arange(256, dtype=np.float32)


def _lookup(values: np.ndarray, ink: np.ndarray) -> np.ndarray:
    """uint8 values -> the ink each level stands for (`ink`: 256 floats, 1 = full), by Pillow's C lookup table."""
    table = np.round(np.clip(ink, 0, 1) * 255).astype(np.uint8).tolist()
    return np.asarray(Image.fromarray(np.ascontiguousarray(values), "L").point(table))


def alpha_ink(alpha: np.ndarray) -> np.ndarray | None:
    """An (H, W) uint8 alpha channel -> the ink, or None when nothing is transparent (the colours hold the ink)."""
    border = _border(alpha)
    if border.min() >= OPAQUE and alpha.min() >= OPAQUE:  # the border first: a canvas export's is transparent
        return None
    backdrop = int(np.median(border)) if border.any() else 0  # 0 for a canvas export; a translucent one is not ink
    if backdrop == 0 or backdrop >= OPAQUE:  # opaque: a canvas export whose ink covers most of its border
        return np.ascontiguousarray(alpha)
    return _lookup(alpha, (LEVELS - backdrop) / max(255 - backdrop, 1))


def photographic(border: np.ndarray, bg: int) -> bool:
    """Whether an image is a photo or a scan: its border is not one value (half of it or more departs from its
    median `bg`). A drawing's border is one value, and a drawing is read against it exactly, at no cost."""
    return float(np.median(np.abs(border.astype(np.int16) - bg))) >= 1


def _photo_ink(gray: np.ndarray, border: np.ndarray, dark: bool = True) -> np.ndarray:
    """A photo's writing, dark on paper (or light on a blackboard): how far each pixel departs from its ground's
    level where it lies, less NOISE_SIGMAS of the camera's noise (`lighting`), so that uneven light is no ink and
    a light pencil (or faint chalk) is."""
    level = lighting.ground_level(gray, light=dark)
    return lighting.ink(gray, level, NOISE_SIGMAS * lighting.noise_sigma(border), dark)


def luminance_ink(gray: np.ndarray) -> np.ndarray:
    """(H, W) uint8 luminance -> the ink: how far each pixel departs from the background. A drawing's background
    is its border's one value; a photo's is its ground's level where each pixel lies (paper, or a blackboard), and
    a photo of a sheet of paper on a darker table is read on the sheet alone (`paper.sheet`)."""
    border = _border(gray)
    bg = 255 if border.min() == 255 else int(np.median(border))
    if bg == 255:  # dark on white, the common case: no table needed
        return np.subtract(255, gray, dtype=np.uint8)
    photo = photographic(border, bg)
    if bg >= 128:  # dark ink on a light background
        return _photo_ink(gray, border) if photo else _lookup(gray, (bg - LEVELS) / bg)
    if not photo:  # light ink drawn on a dark background of one value
        return np.ascontiguousarray(gray) if bg == 0 else _lookup(gray, (LEVELS - bg) / (255 - bg))
    sheet = paper.sheet(gray, border)  # a photo: of a sheet of paper on a darker table?
    if sheet is None:  # light ink on a dark background: chalk on a blackboard
        return _photo_ink(gray, border, dark=False)
    ink = _photo_ink(gray, border)
    np.multiply(ink, sheet, out=ink)  # nothing of the table (in place: a big photo holds no more copies)
    return ink


def _alpha(rgba: np.ndarray) -> np.ndarray:
    """(H, W, 4) uint8 RGBA -> its alpha, contiguous: the top byte of each little-endian pixel word, in one pass
    (a third faster than copying the strided channel)."""
    alpha = np.empty(rgba.shape[:2], np.uint8)
    np.right_shift(rgba.view("<u4")[..., 0], 24, out=alpha, casting="unsafe")
    return alpha


_WUFFS_PNG = wuffs.ImageDecoderConfig()
_WUFFS_PNG.enabled_decoders = [pywuffs.ImageDecoderType.PNG]
_WUFFS_PNG.pixel_format = pywuffs.PixelFormat.RGBA_NONPREMUL


def png_rgba(data: bytes) -> np.ndarray:
    """A PNG's pixels, (H, W, 4) uint8 RGBA, decoded by Wuffs (every colour type: RGBA is its fast path)."""
    decoded = wuffs.ImageDecoder(_WUFFS_PNG).decode(data)  # one decoder per image: 1 us, and no state to share
    if decoded.error_message:
        raise PreprocessError("undecodable_image", f"the image cannot be decoded: {decoded.error_message}")
    return decoded.pixbuf  # a copy (each read of .pixbuf makes one); Wuffs' own buffer goes with `decoded`


def _luminance(rgba: np.ndarray) -> np.ndarray:
    """(H, W, 4) uint8 RGBA -> (H, W) uint8 luminance (ITU-R 601, by Pillow's C conversion)."""
    return np.asarray(Image.fromarray(rgba, "RGBA").convert("L"))


def rgba_ink(make_rgba: Callable[[], np.ndarray]) -> np.ndarray:
    """The ink of the (H, W, 4) uint8 RGBA pixels `make_rgba()` decodes: the alpha's where it holds transparency,
    else the colours' luminance. The RGBA is made here, so that an opaque one's (4 bytes a pixel) can be let go
    before its luminance is read, which for a photo takes copies of its own."""
    rgba = make_rgba()
    ink = alpha_ink(_alpha(rgba))
    if ink is None:
        gray = _luminance(rgba)
        del rgba
        ink = luminance_ink(gray)
    return ink


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """Bytes -> a loaded, upright Pillow image (first frame), or PreprocessError."""
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
    _check_size(*img.size, max_pixels)
    try:
        if img.format == "JPEG" and img.mode in ("RGB", "YCbCr", "L"):
            # straight to luminance (the colours are never needed), and a big photo at a reduced scale
            # (the DCT's own 1/2, 1/4, 1/8) that keeps its short side at JPEG_SIDE px or more
            keep = min(1.0, JPEG_SIDE / min(img.size))
            img.draft("L", (math.ceil(img.size[0] * keep), math.ceil(img.size[1] * keep)))
        img.seek(0)  # animated GIF/PNG/WebP: the first frame
        img.load()
        ImageOps.exif_transpose(img, in_place=True)
        return img
    except Exception as exc:  # noqa: BLE001 - as above: any failure to decode untrusted bytes is the sender's
        raise PreprocessError("undecodable_image", f"the image cannot be decoded: {exc}") from None


def _pillow_ink(img: Image.Image) -> np.ndarray:
    """A Pillow image in any mode -> its ink."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):  # deep gray (a 16-bit PNG with EXIF)
        img = Image.fromarray(np.asarray(img.convert("F")) / (257 if np.asarray(img).max() > 255 else 1)).convert("L")
    if "transparency" in img.info or img.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        return rgba_ink(lambda: np.asarray(img.convert("RGBA")))
    return luminance_ink(np.asarray(img.convert("L")))


def ink_of(data: bytes, max_pixels: int) -> np.ndarray:
    """Image bytes -> (H, W) uint8 ink map, parsed once; PreprocessError for anything unreadable."""
    if not data:
        raise PreprocessError("empty_body", "no image data was sent")
    if data.startswith(PNG_SIGNATURE):
        info = png_info(data)
        _check_size(info.width, info.height, max_pixels)
        if not (info.exif or info.depth > 8):  # Pillow applies EXIF orientation and keeps 16-bit precision
            return rgba_ink(lambda: png_rgba(data))
    return _pillow_ink(_open(data, max_pixels))
