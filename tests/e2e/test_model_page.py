"""The model page (card, curves, confusion matrix, mistakes) and the "why" overlay, in real Chromium."""

from __future__ import annotations

import requests
from playwright.sync_api import expect

from harness import ARTIFACTS
from harness.pages import DIGITS, digit, draw


def test_the_model_page_shows_the_cards_numbers_and_its_charts(page, server):
    report = requests.get(server.url + "/model/report", timeout=10).json()
    page.get_by_role("button", name="Model").click()
    model_page = page.get_by_test_id("model-page")
    expect(model_page).to_be_visible(timeout=15000)
    expect(page.get_by_test_id("card-accuracy")).to_contain_text(f"{report['test']['accuracy'] * 100:.2f}%")
    expect(page.get_by_test_id("card-parameters")).to_have_text(f"{report['model']['parameters']:,}")
    commands = page.get_by_test_id("card-commands").locator("code")  # a fine-tune's chain, its base first
    expect(commands).to_have_text(report["model"]["commands"])
    for chart in ("loss-chart", "accuracy-chart"):  # drawn by Chart.js on a canvas, from the report's curves
        expect(page.get_by_test_id(chart).locator("canvas")).to_have_count(1)
    assert page.get_by_test_id("loss-chart").locator("canvas").bounding_box()["height"] > 100
    confusion = page.get_by_test_id("confusion")
    expect(confusion.locator("tbody tr")).to_have_count(10)
    first_row = [int(t) for t in confusion.locator("tbody tr").first.locator("td").all_inner_texts()[:10]]
    assert first_row == report["test"]["confusion"][0]
    expect(page.get_by_test_id("misclassified").locator("img")).to_have_count(len(report["misclassified"]))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "model-page.png"), full_page=True)


def test_the_model_page_reads_on_a_phone(browser, server):
    context = browser.new_context(viewport={"width": 375, "height": 667}, is_mobile=True)
    page = context.new_page()
    page.goto(server.url + "/")
    page.get_by_role("button", name="Model").click()
    expect(page.get_by_test_id("confusion")).to_be_visible(timeout=15000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing wider than the phone
    context.close()


def test_the_why_overlay_toggles_over_what_the_model_saw(page):
    draw(page, DIGITS["7"])
    expect(digit(page)).to_have_text("7", timeout=15000)
    expect(page.get_by_test_id("runner-up")).to_contain_text("Closest other answer:")
    expect(page.get_by_test_id("why-overlay")).to_have_count(0)
    page.get_by_label("Show why").check()
    overlay = page.get_by_test_id("why-overlay")
    expect(overlay).to_be_visible(timeout=15000)
    assert overlay.get_attribute("src").startswith("data:image/png;base64,")
    box, under = overlay.bounding_box(), page.get_by_test_id("model-input").bounding_box()
    assert abs(box["x"] - under["x"]) < 2 and abs(box["width"] - under["width"]) < 2  # laid exactly over it
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "why-overlay.png"), full_page=True)
    page.get_by_label("Show why").uncheck()
    expect(page.get_by_test_id("why-overlay")).to_have_count(0)


def test_a_correction_stays_when_show_why_reads_the_drawing_again(page, server):
    draw(page, DIGITS["7"])
    expect(digit(page)).to_have_text("7", timeout=15000)
    feedback = page.get_by_test_id("feedback")
    feedback.get_by_role("button", name="It is 1").click()
    expect(feedback).to_contain_text("Thanks — kept as a 1")
    with page.expect_request(lambda r: "/predict?" in r.url and "explain=1" in r.url):
        page.get_by_label("Show why").check()
    expect(page.get_by_test_id("why-overlay")).to_be_visible(timeout=15000)
    expect(feedback).to_contain_text("Thanks — kept as a 1")
    total = requests.get(server.url + "/feedback/stats", timeout=10).json()["total"]
    feedback.get_by_role("button", name="Undo").click()
    expect(feedback).to_contain_text("Removed")
    assert requests.get(server.url + "/feedback/stats", timeout=10).json()["total"] == total - 1
