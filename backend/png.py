"""A fast reader for the PNGs browsers send; everything else is left to Pillow.

Chromium's canvas.toBlob() writes 8-bit RGBA, every row filtered "Up", zlib level 1. Pillow
decodes such a 400x400 image in ~1.4 ms, nearly all of it inflating and unfiltering row by
row. Here the inflate is one zlib-ng call (~0.05 ms) and the None/Sub/Up filters are undone
with numpy inside the drawing's bounding box (~0.2 ms; `read_alpha`, the alpha channel alone,
less). Pure functions, no Flask, no torch.

`read` answers None for anything outside that path -- palette, 16-bit, interlaced, Average or
Paeth rows, tRNS, EXIF, APNG, a bad checksum, a short or over-long stream -- and the caller
decodes with Pillow, which also owns every error message. So the fast path never accepts an
image Pillow would refuse, and its output is the same array Pillow would give.
"""

from __future__ import annotations

import struct

import numpy as np

try:  # zlib-ng inflates ~40x faster than zlib on canvas images; same API
    from zlib_ng import zlib_ng as zlib
except ImportError:  # pragma: no cover - requirements.txt installs it
    import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"
SAMPLES = {0: 1, 2: 3, 4: 2, 6: 4}  # 8-bit colour type -> samples per pixel: gray, RGB, gray+alpha, RGBA
# Chunks that change what the pixels mean (transparency key, orientation, animation): Pillow's job.
SLOW_CHUNKS = {b"tRNS", b"eXIf", b"acTL", b"fcTL", b"fdAT"}
KNOWN_CRITICAL = {b"IHDR", b"PLTE", b"IDAT", b"IEND"}
NONE, SUB, UP = 0, 1, 2


def _chunks(data: bytes):
    """(type, payload) of each chunk up to IEND, CRCs checked; raises ValueError on any damage."""
    view, pos = memoryview(data), len(SIGNATURE)
    while True:
        if pos + 12 > len(data):
            raise ValueError("truncated chunk")
        (length,) = struct.unpack_from(">I", data, pos)
        end = pos + 8 + length
        if end + 4 > len(data):
            raise ValueError("truncated chunk")
        kind = data[pos + 4 : pos + 8]
        if zlib.crc32(view[pos + 4 : end]) != struct.unpack_from(">I", data, end)[0]:
            raise ValueError("bad CRC")
        yield kind, view[pos + 8 : end]
        if kind == b"IEND":
            return
        pos = end + 4


def _inflate(stream: bytes, size: int) -> bytes:
    """Exactly `size` bytes from a complete zlib stream, never more (no zip bombs)."""
    inflater = zlib.decompressobj()
    out = inflater.decompress(stream, size + 1)
    if len(out) != size or not inflater.eof:
        raise ValueError("wrong amount of image data")
    return out


def unfilter(kinds: np.ndarray, filtered: np.ndarray, samples: int) -> np.ndarray | None:
    """Undo PNG filters None/Sub/Up: row filter types (H,) and filtered samples (H, W*samples) -> uint8 pixels.

    The filters work byte by byte with a distance of one pixel, so one channel taken out of the
    rows (`filtered[:, c::samples]`, samples=1) unfilters on its own exactly like the whole image.

    Sub rows are a running sum along the row (per sample) and depend on no other row: all are done
    at once. Up rows add the row above, so they are summed top to bottom, but only inside the box
    where the residuals are non-zero (the drawing): outside it every pixel is 0 or a copy of the
    row above. uint8 arithmetic wraps mod 256, as the filters require.
    None: a row uses Average, Paeth or no valid filter.
    """
    out = np.array(filtered)  # a writable, contiguous copy
    sub, kinds = kinds == SUB, kinds.tolist()
    if max(kinds, default=0) > UP:
        return None
    if sub.any():
        height = int(sub.sum())
        out[sub] = np.cumsum(out[sub].reshape(height, -1, samples), axis=1, dtype=np.uint8).reshape(height, -1)
    words = out.view(np.uint64) if out.shape[1] % 8 == 0 else out  # 8 bytes at a time where rows allow
    busy_rows = np.flatnonzero(words.any(1))
    if not len(busy_rows):
        return out
    top, bottom = int(busy_rows[0]), int(busy_rows[-1])  # above `top`: zeros
    busy_cols = np.flatnonzero(out[top : bottom + 1].any(0))
    box = out[:, busy_cols[0] : busy_cols[-1] + 1]  # a view: writing to it writes `out`
    above, *below = box[top : bottom + 1]  # row views, made once: indexing costs more than the adds
    for kind, row in zip(kinds[top + 1 : bottom + 1], below, strict=True):  # numpy's cumsum down columns: 4x slower
        if kind == UP:
            np.add(row, above, row)
        above = row
    copies = 0  # below `bottom` the residuals are 0: Up rows repeat the last row until a None/Sub row zeroes it
    while bottom + 1 + copies < len(kinds) and kinds[bottom + 1 + copies] == UP:
        copies += 1
    box[bottom + 1 : bottom + 1 + copies] = box[bottom]
    return out


def _filtered_rows(data: bytes, max_pixels: int) -> tuple[np.ndarray, int, int] | None:
    """(H, 1 + W*samples) filtered rows, samples per pixel and width -- or None: not for the fast path."""
    if not data.startswith(SIGNATURE):
        return None
    try:
        chunks = _chunks(data)
        kind, header = next(chunks)
        if kind != b"IHDR" or len(header) != 13:
            return None
        width, height, depth, colour, compression, filtering, interlace = struct.unpack(">IIBBBBB", header)
        if depth != 8 or colour not in SAMPLES or compression or filtering or interlace:
            return None
        if not 0 < width * height <= max_pixels:
            return None
        stream = []
        for kind, payload in chunks:
            if kind in SLOW_CHUNKS or (kind[0] < 0x60 and kind not in KNOWN_CRITICAL):  # upper case: critical
                return None
            if kind == b"IDAT":
                stream.append(payload)
        samples = SAMPLES[colour]
        raw = _inflate(b"".join(stream), height * (1 + width * samples))
    except (ValueError, StopIteration, zlib.error):
        return None
    return np.frombuffer(raw, np.uint8).reshape(height, 1 + width * samples), samples, width


def read(data: bytes, max_pixels: int) -> np.ndarray | None:
    """PNG bytes -> (H, W) gray or (H, W, samples) uint8 pixels, or None: let Pillow decode it."""
    found = _filtered_rows(data, max_pixels)
    if found is None:
        return None
    rows, samples, width = found
    pixels = unfilter(rows[:, 0], rows[:, 1:], samples)
    if pixels is None:
        return None
    return pixels.reshape(len(rows), width) if samples == 1 else pixels.reshape(len(rows), width, samples)


def read_alpha(data: bytes, max_pixels: int) -> np.ndarray | None:
    """The (H, W) uint8 alpha channel alone of a gray+alpha or RGBA PNG, or None (no alpha, or not
    for the fast path). A canvas export's ink is its alpha: a quarter of the unfiltering."""
    found = _filtered_rows(data, max_pixels)
    if found is None or found[1] not in (2, 4):
        return None
    rows, samples, _ = found
    return unfilter(rows[:, 0], rows[:, samples::samples], 1)  # byte 0 is the filter type: alpha is every last
