"""Load and faults against gunicorn (Procfile, 2 workers) on 127.0.0.1: bounded, and stops by itself.

    .venv/bin/python -m bench.load [--seconds 60] [--concurrency 32]

1. sustained: --seconds at --concurrency on /predict -> failures, p50/p99, memory before/after.
2. kill: SIGKILL one worker mid-load -> failure rate, seconds until /ready answers and the
   master has replaced the worker.
3. term: SIGTERM to the master mid-load -> requests sent before it are answered; each worker exits
   by itself (no SIGKILL at the graceful timeout) and the master exits 0.
Writes bench/results/load.json. The test suite runs a short version of each (tests/backend/test_load.py).
"""

from __future__ import annotations

import argparse
import json

from harness import write_result
from harness.faults import PATIENT_MASTER, graceful_term, kill_worker, sustained
from harness.server import Server
from models import argtypes


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=argtypes.SECONDS, default=60.0, help="sustained load duration (default: 60)")
    p.add_argument("--concurrency", type=argtypes.COUNT, default=32, help="concurrent clients (default: 32)")
    args = p.parse_args(argv)
    result: dict = {"settings": vars(args)}
    with Server(workers=2) as server:
        result["sustained"] = sustained(server, args.seconds, args.concurrency)
        print("sustained:", json.dumps(result["sustained"]))
        result["kill_worker"] = kill_worker(server, min(args.seconds, 30.0), args.concurrency)
        print("kill one worker:", json.dumps(result["kill_worker"]))
    server = Server(env=PATIENT_MASTER, workers=2).start()
    try:
        result["sigterm"] = graceful_term(server, wait=60)
    finally:
        server.stop()
    print("sigterm:", json.dumps(result["sigterm"]))
    write_result("load", result)
    return result


if __name__ == "__main__":
    main()
