"""What the page keeps while a person moves between its modes, and answers that arrive late."""

from __future__ import annotations

import re

import requests
from playwright.sync_api import expect

from harness.pages import DIGITS, digit, draw, mouse_strokes

# Pixels with ink on the drawing layer of the pad on screen (react-canvas-draw's second canvas: the first is the
# brush cursor, which is drawn wherever the mouse is)
INK = """() => {
  const layer = document.querySelectorAll('[data-testid=pad] canvas')[1];
  const alpha = layer.getContext('2d').getImageData(0, 0, layer.width, layer.height).data;
  let n = 0;
  for (let i = 3; i < alpha.length; i += 4) n += alpha[i] > 0;
  return n;
}"""


CORRECTION = re.compile(r"/feedback\?")  # POST /feedback?model=...: a correction


def ink(page) -> int:
    return page.evaluate(INK)


def settle(page) -> None:
    """Past the moment react-canvas-draw 1.2.1 clears its lines, 100 ms after a pad mounts (the pad says so:
    `data-settled`, frontend/src/components/DrawingPad.jsx): a drawing lost there would be gone by now."""
    expect(page.get_by_test_id("pad")).to_have_attribute("data-settled", "")


def go_to(page, mode: str) -> None:
    page.get_by_role("button", name=mode, exact=True).click()
    expect(page.get_by_role("button", name=mode, exact=True)).to_have_attribute("aria-pressed", "true")
    if mode != "Model":
        page.get_by_test_id("pad").wait_for()


def write_a_one(page) -> None:
    """A 1 at the left of the pad on screen: one stroke down."""
    box = page.get_by_test_id("pad").bounding_box()
    x, y, h = box["x"] + box["width"] * 0.1, box["y"] + box["height"] * 0.2, box["height"] * 0.6
    mouse_strokes(page, [[(x, y), (x, y + h)]], steps=8)


def requests_sent(page, path: str) -> list[str]:
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if path in r.url else None)
    return sent


def test_a_drawing_and_its_answer_are_still_there_after_a_visit_to_another_mode(page):
    draw(page, DIGITS["7"])
    expect(digit(page)).to_have_text("7", timeout=15000)
    drawn = ink(page)
    go_to(page, "Number")
    assert ink(page) == 0  # the number pad is a pad of its own
    sent = requests_sent(page, "/predict")
    go_to(page, "Digit")
    expect(digit(page)).to_have_text("7")
    settle(page)
    assert ink(page) == drawn
    expect(page.get_by_test_id("feedback")).to_contain_text("Wrong? Tap the right digit")  # it can still be corrected
    with page.expect_request("**/predict*"):  # the next request is Predict's: coming back asked for nothing
        page.get_by_role("button", name="Predict").click()
    expect(digit(page)).to_have_text("7", timeout=15000)
    assert len(sent) == 1
    page.get_by_role("button", name="Undo").click()  # the stroke came back as a stroke
    expect(page.get_by_test_id("prompt")).to_have_text("Draw a digit in the box")
    assert ink(page) == 0


def test_a_number_keeps_its_drawing_and_its_boxes_after_a_visit_to_another_mode(page):
    go_to(page, "Number")
    write_a_one(page)
    expect(page.get_by_test_id("number-line")).to_have_text("It's 1", timeout=15000)
    drawn = ink(page)
    go_to(page, "Model")
    expect(page.get_by_test_id("model-page")).to_be_visible(timeout=15000)
    go_to(page, "Number")
    expect(page.get_by_test_id("number-line")).to_have_text("It's 1")
    expect(page.locator(".box")).to_have_count(1)
    settle(page)
    assert ink(page) == drawn


def test_a_mode_left_before_its_answer_came_reads_its_drawing_on_return(page):
    draw(page, DIGITS["1"])
    go_to(page, "Number")  # at once: within the pause after a stroke, or while the drawing is being read
    go_to(page, "Digit")
    expect(digit(page)).to_have_text("1", timeout=15000)
    settle(page)
    assert ink(page) > 0


def test_a_stroke_added_just_before_leaving_is_read_on_return(page):
    draw(page, DIGITS["1"])
    expect(digit(page)).to_have_text("1", timeout=15000)
    draw(page, [[(60, 200), (340, 200)]])  # a crossing bar: no longer a 1 ...
    go_to(page, "Number")  # ... and gone before the pad read it
    go_to(page, "Digit")
    expect(digit(page)).not_to_have_text("1", timeout=15000)


def test_a_model_picked_in_another_mode_reads_the_drawing_again_on_return(page):
    draw(page, DIGITS["1"])
    expect(digit(page)).to_have_text("1", timeout=15000)
    go_to(page, "Model")
    page.get_by_label("Model", exact=True).select_option("fashion-mnist")
    go_to(page, "Digit")
    expect(page.get_by_test_id("prob-1")).to_contain_text("Trouser", timeout=15000)


def test_number_mode_reads_with_a_digit_model_whatever_is_picked(page):
    page.get_by_label("Model").select_option("fashion-mnist")
    go_to(page, "Number")
    expect(page.get_by_label("Model")).to_have_count(0)  # the one model that reads numbers: nothing to pick
    write_a_one(page)
    expect(page.get_by_test_id("number-line")).to_have_text("It's 1", timeout=15000)  # not a not_a_digit_model error
    go_to(page, "Digit")
    expect(page.get_by_label("Model")).to_have_value("fashion-mnist")  # the pick is kept for the modes that take it


def test_a_correction_confirmed_after_a_newer_answer_leaves_the_newer_one_alone(page, server):
    held = []
    # the first correction reaches the server only when released below; later ones go straight there
    page.route(CORRECTION, lambda route: route.continue_() if held else held.append(route))
    draw(page, DIGITS["7"])
    expect(digit(page)).to_have_text("7", timeout=15000)
    before = requests.get(server.url + "/feedback/stats", timeout=10).json()["total"]
    with page.expect_request(CORRECTION):
        page.get_by_role("button", name="It is 1").click()
    page.get_by_role("button", name="Clear").click()
    draw(page, DIGITS["1"])  # a new drawing, answered while the correction is still on its way
    expect(digit(page)).to_have_text("1", timeout=15000)
    assert len(held) == 1
    with page.expect_response(CORRECTION):
        held[0].continue_()
    feedback = page.get_by_test_id("feedback")
    page.get_by_role("button", name="It is 4").click()  # the new answer's own correction is still offered
    expect(feedback).to_contain_text("Thanks — kept as a 4")
    stats = requests.get(server.url + "/feedback/stats", timeout=10).json()
    assert stats["total"] == before + 2  # both corrections were kept
