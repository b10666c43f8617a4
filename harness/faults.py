"""Load and faults against a running Server: steady load, a killed worker, a graceful SIGTERM (loopback only).

bench/load.py runs them long and writes their figures; tests/backend/test_load.py runs them short."""

from __future__ import annotations

import os
import signal
import threading
import time

import requests

from harness import loadgen
from harness.images import SEVEN, stroke_canvas
from harness.server import Server

CANVAS = stroke_canvas(SEVEN)


def memory_mb(server: Server) -> dict:
    """Summed RSS and PSS of master + workers, in MB."""
    m = server.memory()
    return {"rss": m["rss_total_mb"], "pss": m["pss_total_mb"]}


def _in_background(server: Server, seconds: float, concurrency: int):
    out: dict = {}
    thread = threading.Thread(
        target=lambda: out.setdefault(
            "result", loadgen.run(server.url + "/predict", body=CANVAS, concurrency=concurrency, duration=seconds)
        )
    )
    thread.start()
    return thread, out


def sustained(server: Server, seconds: float, concurrency: int) -> dict:
    """Steady load; memory is measured after a warm-up and again at the end."""
    loadgen.run(server.url + "/predict", body=CANVAS, concurrency=concurrency, duration=min(3.0, seconds / 4))
    before = memory_mb(server)
    result = loadgen.run(server.url + "/predict", body=CANVAS, concurrency=concurrency, duration=seconds)
    after = memory_mb(server)
    return {
        **result.summary(),
        "memory_before_mb": before,
        "memory_after_mb": after,
        "pss_growth_mb": round(after["pss"] - before["pss"], 1),
    }


def wait_ready(server: Server, workers: int, timeout: float = 60.0) -> float:
    """Seconds until /ready answers 200 and the master has `workers` workers again."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        try:
            if len(server.worker_pids()) == workers and requests.get(server.url + "/ready", timeout=2).ok:
                return time.monotonic() - t0
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"not ready with {workers} workers after {timeout}s")


def kill_worker(server: Server, seconds: float, concurrency: int) -> dict:
    """SIGKILL one worker a third of the way into the load."""
    thread, out = _in_background(server, seconds, concurrency)
    time.sleep(seconds / 3)
    victim = server.worker_pids()[0]
    os.kill(victim, signal.SIGKILL)
    recovered = wait_ready(server, workers=2)
    thread.join()
    pids = server.worker_pids()
    return {
        **out["result"].summary(),
        "killed_pid": victim,
        "replaced": victim not in pids and len(pids) == 2,
        "ready_again_s": round(recovered, 2),
    }


def graceful_term(server: Server, concurrency: int = 2, seconds: float = 4.0) -> dict:
    """SIGTERM to the master while requests flow; any request sent before the signal must be answered."""
    thread, out = _in_background(server, seconds, concurrency)
    time.sleep(seconds / 2)
    term_at = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    code = server.proc.wait(30)
    thread.join()
    outcomes = out["result"].outcomes
    before = [o for o in outcomes if o.start < term_at]
    lost = [o for o in before if not 200 <= o.status < 300]
    return {
        "requests_before_term": len(before),
        "lost_in_flight": len(lost),
        "exit_code": code,
        "refused_after_term": sum(1 for o in outcomes if o.start >= term_at and o.status == 0),
    }
