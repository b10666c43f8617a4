"""Real Chromium (Debian's /usr/bin/chromium) through Playwright: what a browser's canvas really exports."""

from __future__ import annotations

CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright's own browser downloads do not work offline
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]
_DRAW_AND_EXPORT = """async ([points, width, size]) => {
  const c = document.createElement('canvas'); c.width = size; c.height = size;
  const ctx = c.getContext('2d');  // react-canvas-draw's stroke style
  ctx.strokeStyle = '#444'; ctx.lineWidth = width; ctx.lineCap = 'round'; ctx.lineJoin = 'round';
  ctx.beginPath(); ctx.moveTo(...points[0]); for (const p of points.slice(1)) ctx.lineTo(...p); ctx.stroke();
  const blob = await new Promise((done) => c.toBlob(done, 'image/png'));
  return Array.from(new Uint8Array(await blob.arrayBuffer()));
}"""


def chromium_canvas(points: list[tuple[int, int]], width: int = 24, canvas: int = 400, browser=None) -> bytes:
    """The PNG real Chromium's canvas.toBlob() makes of one #444 stroke on a transparent canvas.

    What a browser really sends (Chromium: every row filtered Up, zlib level 1), unlike Pillow's encoder.
    Uses `browser` (a Playwright Browser) when given, else launches Chromium for the call."""
    if browser is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            own = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                return chromium_canvas(points, width, canvas, own)
            finally:
                own.close()
    page = browser.new_page()
    try:
        return bytes(page.evaluate(_DRAW_AND_EXPORT, [[list(p) for p in points], width, canvas]))
    finally:
        page.close()
