"""wrk as the client of `loadgen.alternating`'s /health and /predict measurement (`CLIENT`).

wrk (C, Debian's `wrk`) costs the shared CPU far less per request than the Python load generator, so
/health answers faster under it and the ratio is stricter. Loopback only; every run is bounded by its
duration.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from harness.loadgen import Client, _check_loopback

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}  # wrk's units, in ms


def available() -> bool:
    return shutil.which("wrk") is not None


def _run(url: str, concurrency: int, seconds: float, script: Path | None) -> dict:
    _check_loopback(urlsplit(url).hostname or "")
    command = ["wrk", f"-t{min(2, concurrency)}", f"-c{concurrency}", f"-d{max(1, round(seconds))}s", "--latency"]
    out = subprocess.run(
        [*command, *(["-s", str(script)] if script else []), url],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 30,
    ).stdout
    # how long wrk really ran: it takes whole seconds, so a slice of 1.5 s runs for 2 (and reading the 1.5 asked
    # for overstated every requests/s by a third)
    requests, took, unit = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m|h)\b", out).groups()
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    latency = {q: float(v) * UNITS[u] for q, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m|h)$", out, re.M)}
    return {
        "requests": int(requests),
        "failed": int(errors.group(1)) if errors else 0,
        "seconds": float(took) * UNITS[unit] / 1000,
        "p50_ms": round(latency["50"], 2),
        "p99_ms": round(latency["99"], 2),
    }


def _merge(parts: list[dict]) -> dict:
    seconds = sum(p["seconds"] for p in parts)
    requests = sum(p["requests"] for p in parts)
    return {
        "requests": requests,
        "failed": sum(p["failed"] for p in parts),
        "seconds": round(seconds, 2),
        "requests_per_s": round(requests / seconds, 1),
        "p50_ms": max(p["p50_ms"] for p in parts),
        "p99_ms": max(p["p99_ms"] for p in parts),
    }


def _slice(url: str, body: bytes | None, concurrency: int, seconds: float) -> dict:
    """One wrk run: a GET, or with `body` a POST of it as image/png."""
    if body is None:
        return _run(url, concurrency, seconds, None)
    with tempfile.TemporaryDirectory() as tmp:
        image, script = Path(tmp) / "body", Path(tmp) / "post.lua"
        image.write_bytes(body)
        script.write_text(
            f'local f = io.open("{image}", "rb")\nwrk.body = f:read("*all")\nf:close()\n'
            'wrk.method = "POST"\nwrk.headers["Content-Type"] = "image/png"\n'
        )
        return _run(url, concurrency, seconds, script)


CLIENT = Client(_slice, _merge)  # for loadgen.alternating(..., client=wrk.CLIENT): p50/p99 are the worst slice's
