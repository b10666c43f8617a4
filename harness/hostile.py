"""Hostile and odd inputs, each with the answer the API documents. Shared by the app and live-server suites."""

from __future__ import annotations

import base64
import io
import struct
import zlib

import numpy as np
from PIL import Image

from harness.images import INK, ONE, SEVEN, encode, png, stroke_canvas


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares width x height (a decompression bomb's calling card)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(b"\0" * 64)) + _chunk(b"IEND", b"")
    )


def bad_crc() -> bytes:
    data = bytearray(stroke_canvas(SEVEN))
    idat = data.index(b"IDAT")
    length = struct.unpack(">I", data[idat - 4 : idat])[0]
    data[idat + 4 + length] ^= 0xFF  # first CRC byte of the first IDAT chunk
    return bytes(data)


def seven_image(size: int = 400) -> Image.Image:
    return Image.open(io.BytesIO(stroke_canvas(SEVEN, canvas=size)))


def on_white(img: Image.Image) -> Image.Image:
    return Image.alpha_composite(Image.new("RGBA", img.size, "white"), img).convert("RGB")


def animated_gif() -> bytes:
    frames = [on_white(seven_image()), Image.new("RGB", (400, 400), "white")]  # a 7, then a blank frame
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def apng() -> bytes:
    frames = [seven_image(), Image.new("RGBA", (400, 400), (0, 0, 0, 0))]
    return encode(frames[0], "PNG", save_all=True, append_images=frames[1:], duration=100)


def cmyk_jpeg() -> bytes:
    return encode(on_white(seven_image()).convert("CMYK"), "JPEG", quality=90)


def exif_rotated_jpeg() -> bytes:
    """The pixels are stored turned 90 degrees; the EXIF orientation tag (6) says how to turn them back."""
    stored = on_white(seven_image()).transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    return encode(stored, "JPEG", quality=90, exif=exif.tobytes())


def sixteen_bit_png() -> bytes:
    ink = np.asarray(seven_image().getchannel("A"), dtype=np.uint16) * 257
    return png(Image.fromarray(ink))


def palette_png() -> bytes:
    alpha = np.asarray(seven_image().getchannel("A")) > 127
    img = Image.fromarray(alpha.astype(np.uint8), "P")
    img.putpalette([0, 0, 0, INK, INK, INK])
    return png(img, transparency=0)


def noise_png() -> bytes:
    return png(Image.fromarray(np.random.default_rng(0).integers(0, 256, (400, 400), dtype=np.uint8), "L"))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


IMAGE = "image/png"


def cases() -> dict[str, tuple[dict, int, object]]:
    """name -> (request kwargs for Flask's test client, expected status, expected error code or digit).

    Built afresh on each call: the test client closes the file objects of a multipart request."""
    return {
        "empty body": ({"data": b"", "content_type": IMAGE}, 400, "empty_body"),
        "missing content type": ({"data": stroke_canvas(SEVEN)}, 415, "unsupported_media_type"),
        "wrong content type": (
            {"data": stroke_canvas(SEVEN), "content_type": "text/csv"},
            415,
            "unsupported_media_type",
        ),
        "non-image bytes": ({"data": b"MZ\x90\x00" * 100, "content_type": IMAGE}, 422, "undecodable_image"),
        "truncated png": ({"data": stroke_canvas(SEVEN)[:300], "content_type": IMAGE}, 422, "undecodable_image"),
        "png with bad crc": ({"data": bad_crc(), "content_type": IMAGE}, 422, "undecodable_image"),
        "0x0 png": ({"data": png_declaring(0, 0), "content_type": IMAGE}, 422, "undecodable_image"),
        "1x1 png": ({"data": png(Image.new("L", (1, 1), 255)), "content_type": IMAGE}, 422, "empty_image"),
        "decompression bomb": ({"data": png_declaring(60000, 60000), "content_type": IMAGE}, 413, "image_too_large"),
        "animated gif": ({"data": animated_gif(), "content_type": "image/gif"}, 200, 7),
        "apng": ({"data": apng(), "content_type": IMAGE}, 200, 7),
        "16-bit png": ({"data": sixteen_bit_png(), "content_type": IMAGE}, 200, 7),
        "palette with transparency": ({"data": palette_png(), "content_type": IMAGE}, 200, 7),
        "cmyk jpeg": ({"data": cmyk_jpeg(), "content_type": "image/jpeg"}, 200, 7),
        "exif-rotated jpeg": ({"data": exif_rotated_jpeg(), "content_type": "image/jpeg"}, 200, 7),
        "tiff": (
            {"data": encode(on_white(seven_image()), "TIFF"), "content_type": "application/octet-stream"},
            415,
            "unsupported_image_format",
        ),
        "svg": (
            {
                "data": b'<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0L9 9"/></svg>',
                "content_type": "image/svg+xml",
            },
            415,
            "unsupported_media_type",
        ),
        "svg as octet-stream": (
            {
                "data": b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
                "content_type": "application/octet-stream",
            },
            415,
            "unsupported_image_format",
        ),
        "base64 garbage": ({"json": {"image": "@@@@not-base64@@@@"}}, 400, "invalid_base64"),
        "base64 of junk": ({"json": {"image": b64(b"\x00junk" * 50)}}, 422, "undecodable_image"),
        "data url wrong mime": (
            {"json": {"image": "data:application/pdf;base64," + b64(b"%PDF-1.4")}},
            415,
            "unsupported_media_type",
        ),
        "data url not base64": ({"json": {"image": "data:image/png,rawtext"}}, 400, "invalid_base64"),
        "json not an object": ({"json": ["image", 1]}, 400, "invalid_json"),
        "json string": ({"json": "hello"}, 400, "invalid_json"),
        "json nested 100000 deep": (
            {"data": "[" * 100000 + "]" * 100000, "content_type": "application/json"},
            400,
            "invalid_json",
        ),
        "json nested junk": ({"json": {"image": {"a": [1, {"b": None}]}}}, 400, "invalid_image_field"),
        "json invalid utf-8": (
            {"data": b'{"image": "\xff\xfe"}', "content_type": "application/json"},
            400,
            "invalid_json",
        ),
        "multipart without file": (
            {"data": {"other": "x"}, "content_type": "multipart/form-data"},
            400,
            "missing_image",
        ),
        "multipart with several": (
            {
                "data": {
                    "image": [(io.BytesIO(stroke_canvas(SEVEN)), "a.png"), (io.BytesIO(stroke_canvas(SEVEN)), "b.png")]
                },
                "content_type": "multipart/form-data",
            },
            400,
            "multiple_images",
        ),
        "fully transparent": (
            {"data": png(Image.new("RGBA", (400, 400), (0, 0, 0, 0))), "content_type": IMAGE},
            422,
            "empty_image",
        ),
        "all white": ({"data": png(Image.new("RGB", (400, 400), "white")), "content_type": IMAGE}, 422, "empty_image"),
        "all black": ({"data": png(Image.new("L", (400, 400), 0)), "content_type": IMAGE}, 422, "empty_image"),
        "pure noise": ({"data": noise_png(), "content_type": IMAGE}, 422, "empty_image"),  # nothing stands out of it
        "hair-thin stroke": ({"data": stroke_canvas(ONE, width=1), "content_type": IMAGE}, 200, 1),
    }
