"""Which library decodes the PNGs clients send fastest: the figures behind backend/decode.py's choice.

    .venv/bin/python -m bench.decoders [--runs 300]

For each PNG kind of bench.serve (Chromium's canvas export, Pillow's and OpenCV's adaptive filters,
280 and 400 px, and a 28x28 MNIST-style PNG): the median ms of decoding the bytes to pixels with
Wuffs (pywuffs, what serves), libspng (pyspng), Pillow and OpenCV (libpng), each into the layout
it decodes fastest; then the whole `decode.ink_of` as served. Writes bench/results/decoders.json.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time

import cv2
import numpy as np
import pyspng
from PIL import Image

from backend import decode
from bench.serve import kinds
from harness import write_result
from models import argtypes

DECODERS = {
    "wuffs": decode.png_rgba,
    "pyspng": pyspng.load,
    "pillow": lambda data: np.asarray(Image.open(io.BytesIO(data))),
    "opencv": lambda data: cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED),
    "ink_of (served)": lambda data: decode.ink_of(data, 1 << 24),
}


def median_ms(fn, data: bytes, runs: int) -> float:
    fn(data)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn(data)
        times.append(time.perf_counter() - t0)
    return round(statistics.median(times) * 1000, 3)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=argtypes.COUNT, default=300, help="decodes per kind and library (default: 300)")
    args = p.parse_args(argv)
    pngs = {name: blob for name, blob in kinds().items() if blob.startswith(decode.PNG_SIGNATURE)}
    result: dict = {"ms": {}}
    print(f"{'kind':>13} " + " ".join(f"{name:>15}" for name in DECODERS))
    for kind, blob in pngs.items():
        result["ms"][kind] = {name: median_ms(fn, blob, args.runs) for name, fn in DECODERS.items()}
        print(f"{kind:>13} " + " ".join(f"{ms:>15.3f}" for ms in result["ms"][kind].values()))
    write_result("decoders", result)
    return result


if __name__ == "__main__":
    main()
