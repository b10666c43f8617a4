"""Real Chromium (Debian's /usr/bin/chromium) through Playwright: what a browser's canvas really exports."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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
# canvas.toBlob() now and then calls back with null instead of a PNG (seen once, within the first few hundred
# canvases of a run drawing numbers; the same run again drew them all): asked again, it gives the PNG
_PNG_OF = """async function pngOf(c) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const blob = await new Promise((done) => c.toBlob(done, 'image/png'));
    if (blob) return blob;
  }
  throw new Error('canvas.toBlob gave no PNG three times');
}
"""


def with_png_of(script: str) -> str:
    """A page function (an arrow function's text) with `pngOf` declared at the top of its body."""
    head, body = script.split("\n", 1)
    return f"{head}\n{_PNG_OF}{body}"


_DRAW_AND_EXPORT = with_png_of("""async ([points, width, size]) => {
  const c = document.createElement('canvas'); c.width = size; c.height = size;
  const ctx = c.getContext('2d');  // react-canvas-draw's stroke style
  ctx.strokeStyle = '#444'; ctx.lineWidth = width; ctx.lineCap = 'round'; ctx.lineJoin = 'round';
  ctx.beginPath(); ctx.moveTo(...points[0]); for (const p of points.slice(1)) ctx.lineTo(...p); ctx.stroke();
  return Array.from(new Uint8Array(await (await pngOf(c)).arrayBuffer()));
}""")


def chromium_canvas(points: list[tuple[int, int]], width: int = 24, canvas: int = 400, browser=None) -> bytes:
    """The PNG real Chromium's canvas.toBlob() makes of one #444 stroke on a transparent canvas.

    What a browser really sends (Chromium: every row filtered Up, zlib level 1), unlike Pillow's encoder.
    Uses `browser` (a Playwright Browser) when given, else launches Chromium for the call."""
    if browser is None:
        with chromium() as own:
            return chromium_canvas(points, width, canvas, own)
    page = browser.new_page()
    try:
        return bytes(page.evaluate(_DRAW_AND_EXPORT, [[list(p) for p in points], width, canvas]))
    finally:
        page.close()


_DRAW_MANY = with_png_of("""async (jobs) => {
  const out = [];
  for (const [strokes, width, [w, h], encoding] of jobs) {
    const c = document.createElement('canvas'); c.width = w; c.height = h;
    const ctx = c.getContext('2d');
    if (encoding !== 'transparent') { ctx.fillStyle = encoding === 'white' ? '#fff' : '#000'; ctx.fillRect(0, 0, w, h); }
    ctx.strokeStyle = encoding === 'black' ? '#fff' : '#444';  // react-canvas-draw's ink, or white on black
    ctx.lineWidth = width; ctx.lineCap = 'round'; ctx.lineJoin = 'round';
    ctx.beginPath();
    for (const s of strokes) { ctx.moveTo(...s[0]); for (const p of s.slice(1)) ctx.lineTo(...p); if (s.length === 1) ctx.lineTo(...s[0]); }
    ctx.stroke();
    const bytes = new Uint8Array(await (await pngOf(c)).arrayBuffer());
    let text = ''; for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode(...bytes.subarray(i, i + 8192));
    out.push(btoa(text));
  }
  return out;
}""")


def chromium_drawings(
    browser, jobs: list[tuple[list, float, int | tuple[int, int], str]], batch: int = 40
) -> list[bytes]:
    """PNGs real Chromium's canvas makes of strokes: jobs of (polylines in canvas px, pen width, canvas side or
    (width, height), encoding), the encoding 'transparent' (#444 on transparent, as the page sends), 'white' or
    'black'."""
    import base64

    page = browser.new_page()
    try:
        out = []
        for i in range(0, len(jobs), batch):
            chunk = [
                [
                    [[list(map(float, p)) for p in s] for s in strokes],
                    float(w),
                    list(n) if isinstance(n, tuple) else [n, n],
                    enc,
                ]
                for strokes, w, n, enc in jobs[i : i + batch]
            ]
            out += [base64.b64decode(b) for b in page.evaluate(_DRAW_MANY, chunk)]
        return out
    finally:
        page.close()


@contextmanager
def chromium() -> Iterator:
    """Debian's Chromium, headless, with the flags this machine needs: a Playwright Browser for the `with`
    block, always closed after it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()
