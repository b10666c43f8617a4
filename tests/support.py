"""Helpers shared by the tests: canvas images made from real MNIST digits, PNG encoding, free ports."""

from __future__ import annotations

import io
import socket
from pathlib import Path

import numpy as np
from PIL import Image

INK = 0x44  # react-canvas-draw's default #444 brush
# Strokes on a 400x400 canvas that the shipped model reads as these digits.
ONE = [(200, 60), (200, 340)]
SEVEN = [(120, 80), (290, 80), (180, 330)]


def png(img: Image.Image, **kw) -> bytes:
    """Encode a PIL image as PNG bytes."""
    buf = io.BytesIO()
    img.save(buf, format="PNG", **kw)
    return buf.getvalue()


def encode(img: Image.Image, fmt: str, **kw) -> bytes:
    """Encode a PIL image in any format."""
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def paste_digit(digit: np.ndarray, canvas: int, size: int, top: int, left: int) -> np.ndarray:
    """A 28x28 uint8 MNIST digit scaled to size x size and placed on a canvas x canvas ink map in [0, 1]."""
    big = Image.fromarray(digit).resize((size, size), Image.Resampling.BILINEAR)
    ink = np.zeros((canvas, canvas), dtype=np.float32)
    ink[top : top + size, left : left + size] = np.asarray(big, dtype=np.float32) / 255
    return ink


def render(ink: np.ndarray, encoding: str) -> Image.Image:
    """An ink map as a browser would send it: 'transparent' (#444 on alpha), 'white' (dark on white), 'black'."""
    a = np.round(ink * 255).astype(np.uint8)
    if encoding == "transparent":
        rgba = np.zeros((*ink.shape, 4), dtype=np.uint8)
        rgba[..., :3] = INK
        rgba[..., 3] = a
        return Image.fromarray(rgba, mode="RGBA")
    if encoding == "white":
        gray = np.round(255 - ink * (255 - INK)).astype(np.uint8)
        return Image.fromarray(np.stack([gray] * 3, -1), mode="RGB")
    if encoding == "black":
        return Image.fromarray(a, mode="L")
    raise ValueError(encoding)


def stroke_canvas(points: list[tuple[int, int]], width: int = 24, canvas: int = 400) -> bytes:
    """A transparent canvas PNG with one polyline stroke of #444, like react-canvas-draw exports."""
    from PIL import ImageDraw

    img = Image.new("RGBA", (canvas, canvas), (0, 0, 0, 0))
    ImageDraw.Draw(img).line(points, fill=(INK, INK, INK, 255), width=width, joint="curve")
    return png(img)


CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright's own browser downloads do not work offline
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-quic", "--no-first-run", "--disable-sync"]  # fmt: skip
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


def png_filtered(pixels: np.ndarray, filters: list[int]) -> bytes:
    """8-bit gray/GA/RGB/RGBA pixels -> PNG bytes with the given filter type (0-4) on each row.

    Pillow chooses filters itself; this lets a test make every filter appear where it wants."""
    import struct
    import zlib

    arr = pixels if pixels.ndim == 3 else pixels[..., None]
    height, width, samples = arr.shape
    colour = {1: 0, 2: 4, 3: 2, 4: 6}[samples]
    rows = arr.reshape(height, width * samples).astype(np.int32)
    out = []
    for y, kind in enumerate(filters):
        x = rows[y]
        up = rows[y - 1] if y else np.zeros_like(x)
        left = np.concatenate([np.zeros(samples, np.int32), x[:-samples]])
        corner = np.concatenate([np.zeros(samples, np.int32), up[:-samples]])
        if kind == 3:
            pred = (left + up) // 2
        elif kind == 4:
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            pred = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, up, corner))
        else:
            pred = [np.zeros_like(x), left, up][kind]
        out.append(bytes([kind]) + ((x - pred) % 256).astype(np.uint8).tobytes())

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    idat = zlib.compress(b"".join(out))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


ROOT = Path(__file__).resolve().parent.parent
MNIST_CKPT = ROOT / "models" / "checkpoints" / "mnist-digitnet.pt"
FASHION_CKPT = ROOT / "models" / "checkpoints" / "fashion-mnist.pt"


def procfile_command() -> list[str]:
    """The Procfile's web: command, split into argv."""
    import shlex

    line = next(x for x in (ROOT / "Procfile").read_text().splitlines() if x.startswith("web:"))
    return shlex.split(line.removeprefix("web:").strip())


class Server:
    """The Procfile's gunicorn on 127.0.0.1:<free port>, as a context manager that always stops it.

    Shared by the tests and bench/ (which put tests/ on sys.path)."""

    def __init__(self, env: dict[str, str] | None = None, workers: int = 2):
        import os

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "PORT": str(self.port), "HOST": "127.0.0.1", "WEB_CONCURRENCY": str(workers),
                    "GUNICORN_ACCESSLOG": "", "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}", **(env or {})}  # fmt: skip
        self.workers = workers
        self.proc = None

    def start(self, timeout: float = 90) -> Server:
        import subprocess
        import tempfile
        import time

        import requests

        self._log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            procfile_command(), cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}:\n{self.output()}")
            try:
                ready = requests.get(self.url + "/ready", timeout=2).status_code == 200
                if ready and len(self.worker_pids()) == self.workers:  # every worker forked, not just the first
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not become ready in {timeout}s:\n{self.output()}")

    def output(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def worker_pids(self) -> list[int]:
        import psutil

        return [c.pid for c in psutil.Process(self.proc.pid).children()]

    def memory(self) -> dict:
        """RSS and PSS in MB of the master and each worker, and their sums (PSS counts shared pages once)."""
        import psutil

        procs = [psutil.Process(self.proc.pid), *(psutil.Process(p) for p in self.worker_pids())]
        info = [p.memory_full_info() for p in procs]
        mb = 1024 * 1024
        return {
            "processes": len(procs),
            "rss_mb": [round(i.rss / mb, 1) for i in info],
            "pss_mb": [round(i.pss / mb, 1) for i in info],
            "rss_total_mb": round(sum(i.rss for i in info) / mb, 1),
            "pss_total_mb": round(sum(i.pss for i in info) / mb, 1),
        }

    def stop(self, timeout: float = 30) -> int:
        import subprocess

        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


ARTIFACTS = ROOT / "test-artifacts"  # screenshots and other things worth looking at after a run
