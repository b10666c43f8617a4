"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright against the real gunicorn."""

from __future__ import annotations

import pytest

from harness.browser import chromium


@pytest.fixture(scope="session")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture()
def page(browser, server):
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    pg = context.new_page()
    pg.goto(server.url + "/")
    pg.get_by_test_id("pad").wait_for()
    yield pg
    context.close()
