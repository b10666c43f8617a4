"""A person who clicks everything in any order and at any pace: the page neither breaks nor gets stuck.

Fixed-seed sequences of 80 actions (strokes, undo, Ctrl+Z, clear, read, mode and model changes, "why", good and bad
uploads, corrections and their undo, a phone-sized window), some straight after the other, some after a pause; with
a mouse on a desktop, and with a finger on a phone.
"""

from __future__ import annotations

import random
import re

import pytest
from playwright.sync_api import expect

from harness.images import SEVEN, stroke_canvas
from harness.pages import DIGITS, digit, draw, finger_strokes, mouse_strokes

ACTIONS = 80
DESKTOP, PHONE = {"width": 1100, "height": 800}, {"width": 375, "height": 667}
PAUSES_MS = (0, 0, 50, 300)  # the pad reads a drawing 250-300 ms after its last stroke: before, during, after
KINDS = ("draw",) * 3 + ("scribble", "Undo", "ctrl+z", "Clear", "read", "mode", "mode", "model", "why")
KINDS += ("good upload", "bad upload", "chip", "correct", "take back", "window")
EXPECTED_REFUSALS = {"empty_image", "undecodable_image"}  # an empty pad read by Predict, the bad upload


def act(page, rnd: random.Random, action: str, files: dict, cdp) -> None:
    """One action, where the page on screen offers it (a mode without a pad has no strokes); strokes with a finger
    through `cdp`, else the mouse."""
    pad = page.get_by_test_id("pad")
    has_pad = pad.count() == 1
    if action == "draw" and has_pad:
        shape = DIGITS[rnd.choice(list(DIGITS))]
        draw(page, shape, scale=rnd.uniform(0.3, 1), offset=(rnd.uniform(0, 150), rnd.uniform(0, 150)), cdp=cdp)
    elif action == "scribble" and has_pad:
        box = pad.bounding_box()
        spots = [(box["x"] + rnd.uniform(0, box["width"]), box["y"] + rnd.uniform(0, box["height"])) for _ in range(2)]
        if cdp is None:
            mouse_strokes(page, [spots], steps=4)
        else:
            finger_strokes(cdp, [spots], steps=4)
    elif action in ("Undo", "Clear") and has_pad:
        page.locator(".controls").get_by_role("button", name=action, exact=True).click()
    elif action == "ctrl+z":
        page.keyboard.press("Control+z")
    elif action == "read" and has_pad:
        page.locator(".controls button.primary").click()
    elif action == "mode":
        page.get_by_role("button", name=rnd.choice(["Digit", "Number", "Model"]), exact=True).click()
    elif action == "model" and page.get_by_label("Model", exact=True).count():
        page.get_by_label("Model", exact=True).select_option(rnd.choice(["mnist", "fashion-mnist"]))
    elif action == "why" and page.get_by_label("Show why").count():
        page.get_by_label("Show why").click()
    elif action in files and page.get_by_label("Upload an image of a digit").count():
        page.get_by_label("Upload an image of a digit").set_input_files(files[action])
    elif action == "chip" and page.locator("[data-testid^=chip-]").count():
        page.locator("[data-testid^=chip-]").first.click()
    elif action == "correct" and (choices := page.locator("[data-testid=feedback] .choices button:enabled")).count():
        choices.nth(rnd.randrange(choices.count())).click()
    elif action == "take back" and (undo := page.get_by_test_id("feedback").get_by_role("button", name="Undo")).count():
        undo.click()
    elif action == "window" and cdp is None:
        page.set_viewport_size(rnd.choice([DESKTOP, PHONE]))


@pytest.fixture(params=["mouse", "finger"])
def person(request, browser, server):
    """A page on a desktop driven with the mouse, or on a phone driven with a finger: (page, CDP session or None)."""
    if request.param == "mouse":
        context = browser.new_context(viewport=DESKTOP)
    else:
        context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=2)
    page = context.new_page()
    page.goto(server.url + "/")
    page.get_by_test_id("pad").wait_for()
    yield page, context.new_cdp_session(page) if request.param == "finger" else None
    context.close()


@pytest.mark.parametrize("seed", [1, 2])
def test_random_clicks_break_nothing_and_leave_a_working_page(person, tmp_path, seed):
    page, cdp = person
    files = {"good upload": tmp_path / "seven.png", "bad upload": tmp_path / "bad.png"}
    files["good upload"].write_bytes(stroke_canvas(SEVEN))
    files["bad upload"].write_bytes(b"a text file named .png")
    problems: list = []
    page.on("pageerror", lambda error: problems.append(("page error", str(error))))

    def check(response) -> None:
        if response.status >= 500:
            problems.append(("server error", response.status, response.url))
        elif response.status >= 400:
            code = (response.json().get("error") or {}).get("code")
            if code not in EXPECTED_REFUSALS:
                problems.append(("refused", response.status, code, response.url))

    page.on("response", check)
    rnd = random.Random(seed)
    for _ in range(ACTIONS):
        act(page, rnd, rnd.choice(KINDS), files, cdp)
        page.wait_for_timeout(rnd.choice(PAUSES_MS))
    assert problems == []

    # no mode is left waiting for an answer, and both still read what is drawn
    page.set_viewport_size(DESKTOP if cdp is None else PHONE)
    for mode in ("Number", "Digit"):
        page.get_by_role("button", name=mode, exact=True).click()
        expect(page.locator("[role=status]").first).not_to_have_class(re.compile("loading"), timeout=15000)
    page.get_by_label("Model", exact=True).select_option("mnist")
    page.locator(".controls").get_by_role("button", name="Clear", exact=True).click()
    draw(page, DIGITS["7"], cdp=cdp)
    expect(digit(page)).to_have_text("7", timeout=15000)
    page.get_by_role("button", name="Number", exact=True).click()
    page.locator(".controls").get_by_role("button", name="Clear", exact=True).click()
    expect(page.get_by_test_id("number-line")).to_have_text("Write a number on the pad")
    draw(page, DIGITS["4"], scale=0.3, cdp=cdp)
    expect(page.get_by_test_id("number-line")).to_have_text("It's 4", timeout=15000)
    assert problems == []
