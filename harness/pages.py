"""Driving the page in Playwright as a person does: mouse strokes on the pad, the answer shown."""

from __future__ import annotations

import math

# Strokes in canvas coordinates of a 400x400 pad.
DIGITS = {
    "0": [[(200 + 95 * math.sin(t / 40 * 2 * math.pi), 200 - 140 * math.cos(t / 40 * 2 * math.pi)) for t in range(41)]],
    "1": [[(205, 60), (200, 340)]],
    "4": [[(230, 60), (110, 240), (300, 240)], [(235, 140), (235, 350)]],
    "7": [[(110, 80), (290, 80), (170, 340)]],
}


def mouse_strokes(page, strokes, steps: int) -> None:
    """Each stroke (points in page px) as a person draws it: press, move through its points, release."""
    for stroke in strokes:
        page.mouse.move(*stroke[0])
        page.mouse.down()
        for point in stroke[1:]:
            page.mouse.move(*point, steps=steps)
        page.mouse.up()


def touch_stroke(cdp, points) -> None:
    """One finger stroke through the Chrome DevTools Protocol (a context made with has_touch): down, along, up."""
    cdp.send(
        "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": points[0][0], "y": points[0][1]}]}
    )
    for x, y in points[1:]:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def finger_strokes(cdp, strokes, steps: int) -> None:
    """mouse_strokes' strokes drawn with a finger: each segment in `steps` moves."""
    for stroke in strokes:
        points = [
            (x0 + (x1 - x0) * t / steps, y0 + (y1 - y0) * t / steps)
            for (x0, y0), (x1, y1) in zip(stroke, stroke[1:], strict=False)
            for t in range(steps)
        ]
        touch_stroke(cdp, [*points, stroke[-1]])


def draw(page, strokes, scale=1.0, offset=(0, 0), cdp=None):
    """Strokes on the pad, points scaled and shifted within it: with the mouse, or a finger through `cdp`."""
    box = page.get_by_test_id("pad").bounding_box()
    k = box["width"] / 400
    placed = [
        [(box["x"] + (offset[0] + x * scale) * k, box["y"] + (offset[1] + y * scale) * k) for x, y in stroke]
        for stroke in strokes
    ]
    if cdp is None:
        mouse_strokes(page, placed, steps=8)
    else:
        finger_strokes(cdp, placed, steps=8)


def digit(page):
    return page.get_by_test_id("digit")
