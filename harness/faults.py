"""Load and faults against a running Server: steady load, a killed worker, a graceful SIGTERM (loopback only).

bench/load.py runs them long and writes their figures; tests/backend/test_load.py runs them short."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time

import requests

from harness import loadgen
from harness.images import SEVEN, stroke_canvas
from harness.server import Server

CANVAS = stroke_canvas(SEVEN)
# For graceful_term: the master SIGKILLs workers still there after the graceful timeout; set far
# beyond graceful_term's wait, the master exits in time only if each worker exits by itself.
PATIENT_MASTER = {"GUNICORN_GRACEFUL_TIMEOUT": "600"}


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


def graceful_term(server: Server, concurrency: int = 8, seconds: float = 4.0, wait: float = 30.0) -> dict:
    """SIGTERM to the master while requests flow: every request sent before the signal must be answered.

    `exit_code` is None when the master is still running `wait` seconds after the signal: on a
    server started with PATIENT_MASTER, that is a worker that does not exit by itself."""
    thread, out = _in_background(server, seconds, concurrency)
    time.sleep(seconds / 2)
    term_at = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    try:
        code = server.proc.wait(wait)
    except subprocess.TimeoutExpired:
        code = None
    exit_after = time.monotonic() - term_at
    thread.join()
    outcomes = out["result"].outcomes
    before = [o for o in outcomes if o.sent and o.sent < term_at]
    lost = [o for o in before if not 200 <= o.status < 300]
    return {
        "requests_before_term": len(before),
        "lost_in_flight": len(lost),
        "exit_code": code,
        "exit_after_s": round(exit_after, 2),
        "refused_after_term": sum(1 for o in outcomes if o.start >= term_at and o.status == 0),
    }
