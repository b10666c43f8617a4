"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright against the real gunicorn."""

from __future__ import annotations

import pytest
from playwright.sync_api import sync_playwright

from harness.browser import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture()
def page(browser, server):
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    pg = context.new_page()
    pg.goto(server.url + "/")
    pg.get_by_test_id("pad").wait_for()
    yield pg
    context.close()
