"""A person writing whole numbers in the page's Number mode: digits with a lifted pen, digits that touch."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

from harness import ARTIFACTS
from harness.pages import mouse_strokes
from harness.strokes import UNIT_DIGITS, place


@pytest.fixture()
def number_page(page):
    page.get_by_role("button", name="Number").click()
    page.get_by_test_id("pad").wait_for()
    return page


def write(page, text: str, overlap: float = 0.0):
    """Mouse strokes for `text`, one digit per slot along the pad; `overlap` pulls neighbours together."""
    box = page.get_by_test_id("pad").bounding_box()
    height = box["height"] * 0.62
    width, step = height * 0.62, height * (0.95 - overlap)
    for k, char in enumerate(text):
        x = box["x"] + box["width"] * 0.08 + k * step
        mouse_strokes(page, place(UNIT_DIGITS[char], x, box["y"] + box["height"] * 0.19, width, height), steps=6)


def test_a_written_year_is_read_with_a_box_over_each_digit(number_page):
    write(number_page, "2026")
    expect(number_page.get_by_test_id("number-line")).to_have_text("It's 2026", timeout=15000)
    expect(number_page.locator(".box")).to_have_count(4)
    boxes = [number_page.get_by_test_id(f"box-{i}").bounding_box() for i in range(4)]
    assert all(a["x"] + a["width"] <= b["x"] + 2 for a, b in zip(boxes, boxes[1:], strict=False))  # left to right
    ARTIFACTS.mkdir(exist_ok=True)
    number_page.screenshot(path=str(ARTIFACTS / "number-2026.png"), full_page=True)


def test_digits_drawn_with_the_pen_lifted_are_one_digit_each(number_page):
    write(number_page, "45")  # the 4 and the 5 are each two strokes
    expect(number_page.get_by_test_id("number-line")).to_have_text("It's 45", timeout=15000)


def test_touching_digits_are_told_apart(number_page):
    write(number_page, "17", overlap=0.35)  # the 7's bar runs into the 1
    expect(number_page.get_by_test_id("number-line")).to_have_text("It's 17", timeout=15000)


def test_a_tap_on_a_digit_shows_its_probabilities_and_what_the_model_saw(number_page):
    write(number_page, "30")
    expect(number_page.get_by_test_id("number-line")).to_have_text("It's 30", timeout=15000)
    expect(number_page.get_by_test_id("digit-details")).to_have_count(0)
    expect(number_page.get_by_test_id("number-hint")).to_be_visible()  # says the digits can be tapped
    number_page.get_by_test_id("chip-1").click()
    details = number_page.get_by_test_id("digit-details")
    expect(details).to_be_visible()
    expect(number_page.get_by_test_id("number-hint")).to_have_count(0)
    expect(details.get_by_test_id("prob-0")).to_have_class("top")
    assert details.get_by_test_id("model-input").get_attribute("src").startswith("data:image/png;base64,")


def test_the_number_pad_fits_a_phone(browser, server):
    context = browser.new_context(viewport={"width": 375, "height": 667}, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto(server.url + "/")
    page.get_by_role("button", name="Number").click()
    pad = page.get_by_test_id("pad").bounding_box()
    assert pad["width"] <= 375 - 16 and pad["width"] > 1.5 * pad["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()


def test_a_misread_digit_of_a_number_is_corrected_and_the_correction_undone(number_page, server):
    write(number_page, "30")
    expect(number_page.get_by_test_id("number-line")).to_have_text("It's 30", timeout=15000)
    before = requests.get(server.url + "/feedback/stats", timeout=10).json()
    number_page.get_by_test_id("chip-0").click()
    feedback = number_page.get_by_test_id("digit-details").get_by_test_id("feedback")
    expect(feedback).to_contain_text("Wrong? Tap the right digit")
    expect(feedback).to_contain_text("We keep this digit")  # its 28x28, not the whole drawing
    expect(feedback.get_by_role("button", name="It is 3")).to_be_disabled()  # the answer itself is no correction
    feedback.get_by_role("button", name="It is 8").click()
    expect(feedback).to_contain_text("Thanks — kept as a 8")
    after = requests.get(server.url + "/feedback/stats", timeout=10).json()
    assert after["total"] == before["total"] + 1
    assert after["by_label"].get("8", 0) == before["by_label"].get("8", 0) + 1
    number_page.get_by_test_id("chip-1").click()  # another digit: a correction of its own
    expect(number_page.get_by_test_id("digit-details").get_by_test_id("feedback")).to_contain_text("Wrong?")
    number_page.get_by_test_id("chip-0").click()  # back to the first: its correction can still be taken back
    feedback.get_by_role("button", name="Undo").click()
    expect(feedback).to_contain_text("Removed")
    assert requests.get(server.url + "/feedback/stats", timeout=10).json()["total"] == before["total"]


def test_show_why_maps_every_digit_and_keeps_the_open_digit_and_its_correction(number_page, server):
    write(number_page, "30")
    expect(number_page.get_by_test_id("number-line")).to_have_text("It's 30", timeout=15000)
    number_page.get_by_test_id("chip-1").click()
    details = number_page.get_by_test_id("digit-details")
    feedback = details.get_by_test_id("feedback")
    feedback.get_by_role("button", name="It is 6").click()
    expect(feedback).to_contain_text("Thanks — kept as a 6")
    expect(details.get_by_test_id("why-overlay")).to_have_count(0)
    with number_page.expect_request(lambda r: "/predict/number" in r.url and "explain=1" in r.url):
        details.get_by_label("Show why").check()  # the answer came without maps: the drawing is read again
    overlay = details.get_by_test_id("why-overlay")
    expect(overlay).to_be_visible(timeout=15000)
    assert overlay.get_attribute("src").startswith("data:image/png;base64,")
    expect(number_page.get_by_test_id("chip-1")).to_have_attribute("aria-pressed", "true")  # still open
    expect(feedback).to_contain_text("Thanks — kept as a 6")  # and its correction can still be taken back
    feedback.get_by_role("button", name="Undo").click()
    expect(feedback).to_contain_text("Removed")
    number_page.get_by_test_id("chip-0").click()  # every digit came with its own map
    expect(details.get_by_test_id("why-overlay")).to_be_visible()
    details.get_by_label("Show why").uncheck()
    expect(number_page.get_by_test_id("why-overlay")).to_have_count(0)
