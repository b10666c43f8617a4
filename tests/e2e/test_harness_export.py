"""harness/browser.py's canvas export in real Chromium: a toBlob that calls back with null is asked again."""

from __future__ import annotations

import pytest

from harness.browser import with_png_of

FLAKY = """async ([fails]) => {
  const c = document.createElement('canvas'); c.width = 8; c.height = 8;
  const real = c.toBlob.bind(c);
  let left = fails;
  c.toBlob = (done, type) => (left-- > 0 ? done(null) : real(done, type));  // as Chromium now and then does
  try { return (await pngOf(c)).size; } catch (e) { return e.message; }
}"""


@pytest.fixture()
def blank_page(browser):
    page = browser.new_page()
    yield page
    page.close()


def test_a_canvas_whose_export_fails_twice_is_exported_on_the_third_try(blank_page):
    assert blank_page.evaluate(with_png_of(FLAKY), [2]) > 0  # a PNG's byte count


def test_a_canvas_whose_export_keeps_failing_gives_a_clear_error(blank_page):
    assert blank_page.evaluate(with_png_of(FLAKY), [3]) == "canvas.toBlob gave no PNG three times"
