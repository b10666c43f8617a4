"""Clients that hold connections, against gunicorn (Procfile, 2 workers) on 127.0.0.1: bounded, stops by itself.

    .venv/bin/python -m bench.slow_clients [--clients 2] [--how body|headers|idle|keep-open] [--seconds 15] [--env KEY=VALUE ...]

--clients connections that send a POST /predict and then trickle it, a byte of body (`body`) or a header
line (`headers`) a second, as a slow-loris attack does; that send nothing at all (`idle`); or
(`keep-open`) that send whole requests, read the answers and never close. Meanwhile one ordinary client asks GET /health again and again (5 s
timeout each) for --seconds: how many were answered, how many not, and the slowest. `--env` passes
settings to the server (e.g. `GUNICORN_THREADS=4`). Writes bench/results/slow_clients.json (one entry
per run's settings, kept across runs).
"""

from __future__ import annotations

import argparse
import json
import time

import requests

from harness import RESULTS, slowclients, write_result
from harness.server import Server
from models import argtypes

HEALTH_TIMEOUT = 5.0  # seconds a /health request may take before it counts as not answered


def health_while(server: Server, seconds: float) -> dict:
    """GET /health again and again for `seconds`: answered, not answered within HEALTH_TIMEOUT, slowest. Each on a
    new connection, as a new visitor comes (harness.loadgen keeps one open, which gunicorn's gthread workers, the
    GUNICORN_THREADS=4 workers before stop 35, then served past the slow clients: 25,124 answers against 7 here
    with 8 of them)."""
    answered = failed = 0
    slowest = 0.0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        started = time.monotonic()
        try:
            requests.get(server.url + "/health", timeout=HEALTH_TIMEOUT).raise_for_status()
            answered += 1
        except requests.RequestException:
            failed += 1
        slowest = max(slowest, time.monotonic() - started)
    return {"answered": answered, "not_answered": failed, "slowest_s": round(slowest, 3)}


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clients", type=argtypes.COUNT, default=2, help="connections held (default: 2, one per worker)")
    p.add_argument("--how", choices=["body", "headers", "idle", "keep-open"], default="body", help="how they hold it")
    p.add_argument("--seconds", type=argtypes.SECONDS, default=15.0, help="how long /health is asked meanwhile")
    p.add_argument("--env", nargs="*", type=argtypes.setting, default=[], metavar="KEY=VALUE", help="server settings")
    args = p.parse_args(argv)
    env = dict(args.env)
    with Server(env=env, workers=2) as server:
        holders: list = []
        if args.how == "keep-open":
            clients = slowclients.holding(slowclients.keep_open, args.clients, server.port, holders)
        elif args.how == "idle":
            clients = slowclients.holding(slowclients.idle, args.clients, server.port)
        else:
            clients = slowclients.holding(slowclients.trickle, args.clients, server.port, args.how)
        with clients:  # every client has begun
            health = health_while(server, args.seconds)
    if args.how == "keep-open":
        health["their_answers"] = len(holders)
    key = f"{args.clients} {args.how}" + "".join(f" {k}={v}" for k, v in sorted(env.items()))
    print(f"{key}: /health {json.dumps(health)}")
    path = RESULTS / "slow_clients.json"
    runs = json.loads(path.read_text())["runs"] if path.exists() else {}
    write_result("slow_clients", {"runs": {**runs, key: health}})
    return health


if __name__ == "__main__":
    main()
