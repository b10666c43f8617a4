"""Digits as a person draws them with a mouse: strokes in a unit box (x right, y down), for the browser tests.

Where a digit is usually drawn with the pen lifted (a 4, a 5), it is here too: two strokes."""

from __future__ import annotations

import math

UNIT_DIGITS: dict[str, list[list[tuple[float, float]]]] = {
    "0": [
        [(0.5 + 0.33 * math.sin(t / 30 * 2 * math.pi), 0.5 - 0.47 * math.cos(t / 30 * 2 * math.pi)) for t in range(31)]
    ],
    "1": [[(0.52, 0.02), (0.48, 0.98)]],
    "2": [[(0.18, 0.28), (0.32, 0.07), (0.62, 0.04), (0.8, 0.25), (0.72, 0.48), (0.2, 0.95), (0.86, 0.95)]],
    "3": [[(0.2, 0.08), (0.78, 0.08), (0.45, 0.44), (0.78, 0.6), (0.72, 0.88), (0.45, 0.98), (0.18, 0.9)]],
    "4": [[(0.58, 0.0), (0.1, 0.64), (0.88, 0.64)], [(0.64, 0.3), (0.64, 1.0)]],
    "5": [
        [(0.26, 0.04), (0.2, 0.46), (0.62, 0.4), (0.82, 0.65), (0.62, 0.95), (0.18, 0.9)],
        [(0.26, 0.04), (0.82, 0.04)],
    ],
    "6": [[(0.72, 0.04), (0.32, 0.42), (0.2, 0.74), (0.45, 0.98), (0.76, 0.82), (0.64, 0.55), (0.24, 0.64)]],
    "7": [[(0.12, 0.08), (0.86, 0.08), (0.42, 0.98)]],
}


def place(strokes: list[list[tuple[float, float]]], x: float, y: float, width: float, height: float):
    """A unit-box drawing scaled into the box (x, y, width, height), in that box's pixels."""
    return [[(x + px * width, y + py * height) for px, py in stroke] for stroke in strokes]
