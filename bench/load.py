"""Load and faults against gunicorn (Procfile, 2 workers) on 127.0.0.1: bounded, and stops by itself.

    .venv/bin/python bench/load.py [--seconds 60] [--concurrency 32]

1. sustained: --seconds at --concurrency on /predict -> failures, p50/p99, memory before/after.
2. kill: SIGKILL one worker mid-load -> failure rate, seconds until /ready answers and the
   master has replaced the worker.
3. term: SIGTERM to the master mid-load -> requests in flight complete; the master exits 0.
Writes bench/results/load.json. The test suite runs a short version of each (tests/backend/test_load.py).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]
import loadgen  # noqa: E402
from support import SEVEN, Server, stroke_canvas  # noqa: E402

RESULTS = ROOT / "bench" / "results"
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
    return {**result.summary(), "memory_before_mb": before, "memory_after_mb": after,
            "pss_growth_mb": round(after["pss"] - before["pss"], 1)}  # fmt: skip


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
    return {**out["result"].summary(), "killed_pid": victim, "replaced": victim not in pids and len(pids) == 2,
            "ready_again_s": round(recovered, 2)}  # fmt: skip


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
    return {"requests_before_term": len(before), "lost_in_flight": len(lost), "exit_code": code,
            "refused_after_term": sum(1 for o in outcomes if o.start >= term_at and o.status == 0)}  # fmt: skip


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=60.0, help="sustained load duration (default: 60)")
    p.add_argument("--concurrency", type=int, default=32, help="concurrent clients (default: 32)")
    args = p.parse_args(argv)
    result: dict = {"settings": vars(args)}
    with Server(workers=2) as server:
        result["sustained"] = sustained(server, args.seconds, args.concurrency)
        print("sustained:", json.dumps(result["sustained"]))
        result["kill_worker"] = kill_worker(server, min(args.seconds, 30.0), args.concurrency)
        print("kill one worker:", json.dumps(result["kill_worker"]))
    server = Server(workers=2).start()
    try:
        result["sigterm"] = graceful_term(server)
    finally:
        server.stop()
    print("sigterm:", json.dumps(result["sigterm"]))
    result["when"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "load.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"results: {RESULTS / 'load.json'}")
    return result


if __name__ == "__main__":
    main()
