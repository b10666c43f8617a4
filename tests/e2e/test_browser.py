"""A person at the page: drawing digits with mouse and touch, undo, clear, upload, a dead server."""

from __future__ import annotations

import io
import os
import signal
from urllib.parse import urlparse

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageOps
from playwright.sync_api import expect

from harness import ARTIFACTS
from harness.images import SEVEN, photo, png, stroke_canvas
from harness.pages import DIGITS, digit, draw, touch_stroke
from harness.server import Server


@pytest.mark.parametrize("name", list(DIGITS))
def test_drawn_digit_is_read(page, name):
    draw(page, DIGITS[name])
    expect(digit(page)).to_have_text(name, timeout=15000)
    expect(page.get_by_test_id(f"prob-{name}")).to_have_class("top")
    assert page.get_by_test_id("model-input").get_attribute("src").startswith("data:image/png;base64,")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"digit-{name}.png"), full_page=True)  # to look at after a run


def test_small_digit_in_a_corner(page):
    draw(page, DIGITS["7"], scale=0.35, offset=(250, 250))
    expect(digit(page)).to_have_text("7", timeout=15000)


def test_undo_removes_only_the_last_stroke_and_clear_resets(page):
    draw(page, DIGITS["1"])
    expect(digit(page)).to_have_text("1", timeout=15000)
    draw(page, [[(60, 200), (340, 200)]])  # a crossing bar: no longer a 1
    expect(digit(page)).not_to_have_text("1", timeout=15000)
    page.get_by_role("button", name="Undo").click()
    expect(digit(page)).to_have_text("1", timeout=15000)  # the first stroke is still there
    draw(page, [[(60, 200), (340, 200)]])
    expect(digit(page)).not_to_have_text("1", timeout=15000)
    page.keyboard.press("Control+z")
    expect(digit(page)).to_have_text("1", timeout=15000)
    page.get_by_role("button", name="Clear").click()
    expect(page.get_by_test_id("prompt")).to_have_text("Draw a digit in the box")
    expect(digit(page)).to_have_count(0)


def test_model_picker_rereads_the_drawing(page):
    draw(page, DIGITS["1"])
    expect(digit(page)).to_have_text("1", timeout=15000)
    page.get_by_label("Model").select_option("fashion-mnist")
    expect(digit(page)).not_to_have_text("1", timeout=15000)  # now a clothing class name
    expect(page.get_by_test_id("prob-1")).to_contain_text("Trouser")
    page.get_by_label("Model").select_option("mnist")
    expect(digit(page)).to_have_text("1", timeout=15000)


def test_an_answer_keeps_the_class_names_of_the_model_that_gave_it(page, tmp_path):
    path = tmp_path / "seven.png"
    path.write_bytes(stroke_canvas(SEVEN))
    page.get_by_label("Upload an image of a digit").set_input_files(str(path))
    expect(digit(page)).to_have_text("7", timeout=15000)
    page.get_by_label("Model").select_option("fashion-mnist")  # the pad is empty: nothing is read again
    expect(page.get_by_label("Model")).to_have_value("fashion-mnist")
    expect(page.get_by_test_id("prob-1")).to_contain_text("1")  # MNIST's answer keeps MNIST's names
    expect(page.get_by_test_id("prob-1")).not_to_contain_text("Trouser")
    expect(digit(page)).to_have_text("7")


def test_predict_button_on_empty_canvas_sends_nothing(page):
    sent = []
    page.on("request", lambda r: sent.append(r.url) if "/predict" in r.url else None)
    page.get_by_role("button", name="Predict").click()
    expect(page.get_by_test_id("prompt")).to_be_visible()
    with page.expect_request("**/predict*"):  # the next request the page sends is the drawing's
        draw(page, DIGITS["1"])
    expect(digit(page)).to_have_text("1", timeout=15000)
    assert len(sent) == 1  # requests leave in order: one for the empty pad would have come first


def test_the_pad_and_the_live_region_are_there_for_assistive_technology(page):
    status = page.get_by_role("status")
    expect(status).to_have_text("Draw a digit")  # there before the first answer, so that one is announced
    pad = page.get_by_role("application", name="Drawing pad: draw one digit with a mouse, pen or finger")
    expect(pad).to_be_visible()
    draw(page, DIGITS["7"])
    expect(status).to_contain_text("It's a 7", timeout=15000)


def test_upload_an_image_file(page, tmp_path):
    path = tmp_path / "seven.png"
    path.write_bytes(stroke_canvas(SEVEN))
    page.get_by_label("Upload an image of a digit").set_input_files(str(path))
    expect(digit(page)).to_have_text("7", timeout=15000)


def test_the_page_sends_a_280px_png_whatever_the_pad_size(browser, server):
    context = browser.new_context(viewport={"width": 375, "height": 667}, device_scale_factor=2)  # a 343 px pad
    # observe (not alter) what the page uploads: Playwright does not expose Blob bodies
    context.add_init_script("""
        window.__sent = [];
        const realFetch = window.fetch;
        window.fetch = (url, options = {}) => {
          const image = options.body instanceof FormData ? options.body.get("image") : null;
          if (image) createImageBitmap(image).then((b) => window.__sent.push([b.width, b.height, image.type]));
          return realFetch(url, options);
        };
    """)
    page = context.new_page()
    page.goto(server.url + "/")
    draw(page, DIGITS["7"])
    expect(digit(page)).to_have_text("7", timeout=15000)
    assert page.get_by_test_id("pad").bounding_box()["width"] < 350
    assert page.evaluate("window.__sent") == [[280, 280, "image/png"]]
    context.close()


def _phone_photo_of_a_seven() -> bytes:
    """A 4000x3000 JPEG as a phone's camera writes it (about 5 MB): a 7 in pen on paper, its pixels stored turned
    a quarter left, with the EXIF orientation (6) that turns them upright."""
    sheet = Image.new("L", (4000, 3000), 0)
    ImageDraw.Draw(sheet).line([(1000 + 5 * x, 300 + 5 * y) for x, y in SEVEN], fill=255, width=120, joint="curve")
    upright = Image.open(io.BytesIO(photo(np.asarray(sheet), noise=8, quality=95)))
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    upright.rotate(90, expand=True).save(out, "JPEG", quality=95, exif=exif)
    return out.getvalue()


def _png_photo_of_a_seven() -> bytes:
    """The same photo, upright, 2000x1500, as an opaque PNG (about 5 MB: its noise does not compress)."""
    photo = Image.open(io.BytesIO(_phone_photo_of_a_seven()))
    return png(ImageOps.exif_transpose(photo).resize((2000, 1500)))


@pytest.mark.parametrize(
    "name, make", [("IMG_0001.jpg", _phone_photo_of_a_seven), ("photo.png", _png_photo_of_a_seven)]
)
def test_a_big_photo_from_a_phone_is_shrunk_upright_before_it_is_sent(browser, server, tmp_path, name, make):
    path = tmp_path / name
    path.write_bytes(make())
    assert path.stat().st_size > 2 * 2**20  # over the server's MAX_UPLOAD_BYTES: as it is, the answer would be a 413
    context = browser.new_context()
    context.add_init_script("""
        window.__sent = [];
        const realFetch = window.fetch;
        window.fetch = (url, options = {}) => {
          const image = options.body instanceof FormData ? options.body.get("image") : null;
          if (image) createImageBitmap(image).then((b) => window.__sent.push([b.width, b.height, image.type, image.size]));
          return realFetch(url, options);
        };
    """)
    page = context.new_page()
    page.goto(server.url + "/")
    page.get_by_label("Upload an image of a digit").set_input_files(str(path))
    expect(digit(page)).to_have_text("7", timeout=15000)  # upright: the EXIF turn was applied before shrinking
    [[width, height, kind, size]] = page.evaluate("window.__sent")
    assert (width, height, kind) == (1024, 768, "image/jpeg") and size < 2**20  # upright, shrunk; opaque: a JPEG
    context.close()


def test_the_page_and_its_files_arrive_compressed_and_work(browser, server):
    context = browser.new_context()
    page = context.new_page()
    encodings = {}  # path -> the Content-Encoding it came with
    page.on("response", lambda r: encodings.__setitem__(urlparse(r.url).path, r.headers.get("content-encoding")))
    page.goto(server.url + "/")
    draw(page, DIGITS["7"])  # Chromium decoded what it was sent: the page runs
    expect(digit(page)).to_have_text("7", timeout=15000)
    built = {path: coding for path, coding in encodings.items() if path == "/" or path.startswith("/assets/")}
    assert len(built) >= 3 and set(built.values()) == {"br"}, built  # the page, its script and its stylesheet
    context.close()


def test_touch_drawing_on_a_phone_does_not_scroll_and_the_answer_is_in_view(browser, server):
    context = browser.new_context(
        viewport={"width": 375, "height": 667}, has_touch=True, is_mobile=True, device_scale_factor=2
    )
    page = context.new_page()
    page.goto(server.url + "/")
    pad = page.get_by_test_id("pad")
    box = pad.bounding_box()
    assert box["width"] <= 375 - 16 and page.evaluate("document.documentElement.scrollWidth") <= 375
    cdp = context.new_cdp_session(page)
    k = box["width"] / 400
    # a "1" drawn upwards: a finger moving up would scroll the page down if the pad let it
    pts = [(box["x"] + 200 * k, box["y"] + (340 - i * 14) * k) for i in range(21)]
    touch_stroke(cdp, pts)
    expect(page.get_by_test_id("digit")).to_have_text("1", timeout=15000)
    assert page.evaluate("document.documentElement.scrollHeight") > 667  # with an answer the page can scroll...
    touch_stroke(cdp, pts)  # the same stroke again, upwards
    expect(page.get_by_test_id("answer-line")).to_contain_text("It's a 1", timeout=15000)
    assert page.evaluate("window.scrollY") == 0  # ...but drawing did not scroll it
    line = page.get_by_test_id("answer-line").bounding_box()
    assert line["y"] + line["height"] <= 667  # and the answer shows on the first screen, under the pad
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "phone.png"))
    context.close()


def test_server_gone_shows_an_error_and_the_page_stays_usable(browser):
    server = Server(workers=1).start()
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.url + "/")
    page.get_by_test_id("pad").wait_for()
    server.stop()
    draw(page, DIGITS["7"])
    expect(page.get_by_role("alert")).to_contain_text("Cannot reach the server", timeout=15000)
    page.get_by_role("button", name="Clear").click()  # still responsive
    expect(page.get_by_test_id("prompt")).to_be_visible()
    draw(page, DIGITS["1"])
    expect(page.get_by_role("alert")).to_be_visible(timeout=15000)
    expect(page.get_by_role("button", name="Predict")).to_be_enabled()
    context.close()


def test_a_server_that_stops_answering_times_out_with_a_message_and_the_page_reads_again_after(browser):
    server = Server(workers=1).start()
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(server.url + "/")
        draw(page, DIGITS["7"])
        expect(digit(page)).to_have_text("7", timeout=15000)
        page.get_by_role("button", name="Clear").click()
        pids = server.pids()
        for pid in pids:  # every process of the server frozen: connections are taken by the kernel, never answered
            os.kill(pid, signal.SIGSTOP)
        try:
            draw(page, DIGITS["1"])
            expect(page.get_by_test_id("answer-line")).to_have_text("Reading…", timeout=5000)
            expect(page.get_by_role("alert")).to_contain_text("did not answer within 20 s", timeout=30000)
            expect(page.get_by_role("button", name="Predict")).to_be_enabled()
        finally:
            for pid in pids:
                os.kill(pid, signal.SIGCONT)
        page.get_by_role("button", name="Predict").click()  # the server is back: the same drawing is read
        expect(digit(page)).to_have_text("1", timeout=15000)
    finally:
        context.close()
        server.stop()


def test_a_wrong_answer_is_corrected_and_the_correction_undone(page, server):
    import requests

    before = requests.get(server.url + "/feedback/stats", timeout=10).json()["total"]
    draw(page, DIGITS["7"])
    expect(digit(page)).to_have_text("7", timeout=15000)
    feedback = page.get_by_test_id("feedback")
    expect(feedback).to_contain_text("Wrong? Tap the right digit")
    expect(feedback).to_contain_text("you can undo it")
    expect(page.get_by_role("button", name="It is 7")).to_be_disabled()  # the answer itself is not a correction
    page.get_by_role("button", name="It is 1").click()
    expect(feedback).to_contain_text("Thanks — kept as a 1")
    stats = requests.get(server.url + "/feedback/stats", timeout=10).json()
    assert stats["total"] == before + 1 and stats["by_label"].get("1", 0) >= 1
    feedback.get_by_role("button", name="Undo").click()
    expect(feedback).to_contain_text("Removed")
    assert requests.get(server.url + "/feedback/stats", timeout=10).json()["total"] == before


# Chromium's canvas.toBlob() now and then calls back with null instead of a PNG: the first `fails` calls do so here
FAILING_EXPORT = """
  const realToBlob = HTMLCanvasElement.prototype.toBlob;
  let fails = %d;
  HTMLCanvasElement.prototype.toBlob = function (done, ...rest) {
    if (fails-- > 0) return setTimeout(() => done(null));
    return realToBlob.call(this, done, ...rest);
  };
"""


def _page_whose_export_fails(browser, server, times: int):
    context = browser.new_context()
    context.add_init_script(FAILING_EXPORT % times)
    page = context.new_page()
    page.goto(server.url + "/")
    return context, page


def test_a_drawing_whose_export_fails_twice_is_read_all_the_same(browser, server):
    context, page = _page_whose_export_fails(browser, server, 2)
    draw(page, DIGITS["7"])
    expect(digit(page)).to_have_text("7", timeout=15000)
    context.close()


def test_a_drawing_that_cannot_be_exported_says_so_and_the_page_stays_usable(browser, server):
    context, page = _page_whose_export_fails(browser, server, 3)
    draw(page, DIGITS["7"])
    expect(page.get_by_role("alert")).to_contain_text("could not turn the drawing into an image", timeout=15000)
    page.get_by_role("button", name="Predict").click()  # the export works again: the same drawing is read
    expect(digit(page)).to_have_text("7", timeout=15000)
    context.close()
