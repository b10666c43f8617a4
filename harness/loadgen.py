"""A bounded HTTP load generator for servers on loopback: N threads, each one request at a time.

Used by bench/serve.py, bench/load.py and their short versions in the test suite. Refuses
any host that is not loopback, and always stops: after `duration` seconds or `total` requests.
"""

from __future__ import annotations

import http.client
import ipaddress
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

LOOPBACK_NAMES = {"localhost"}


def _check_loopback(host: str) -> None:
    if host in LOOPBACK_NAMES:
        return
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"load is only ever sent to loopback addresses, not {host}")


@dataclass
class Outcome:
    """One request: when it started and when it was fully sent (monotonic; 0: never), how long it took,
    its status (0: no HTTP answer), the error."""

    start: float
    seconds: float
    status: int
    error: str = ""
    sent: float = 0.0


@dataclass
class LoadResult:
    """Everything the load produced, plus summary figures."""

    outcomes: list[Outcome] = field(default_factory=list)
    wall: float = 0.0

    @property
    def ok(self) -> int:
        return sum(1 for o in self.outcomes if 200 <= o.status < 300)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not 200 <= o.status < 300]

    def percentile(self, q: float) -> float:
        """Latency percentile in milliseconds over the successful requests."""
        times = sorted(o.seconds for o in self.outcomes if 200 <= o.status < 300)
        if not times:
            return float("nan")
        return 1000 * times[min(len(times) - 1, int(q / 100 * len(times)))]

    def summary(self) -> dict:
        return {
            "requests": len(self.outcomes),
            "ok": self.ok,
            "failed": len(self.failed),
            "failure_rate": len(self.failed) / max(1, len(self.outcomes)),
            "seconds": round(self.wall, 2),
            "requests_per_s": round(self.ok / self.wall, 1) if self.wall else 0.0,
            "p50_ms": round(self.percentile(50), 2),
            "p90_ms": round(self.percentile(90), 2),
            "p99_ms": round(self.percentile(99), 2),
            "max_ms": round(self.percentile(100), 2),
            "errors": sorted({o.error or str(o.status) for o in self.failed})[:5],
        }


def merge(results: list[LoadResult]) -> LoadResult:
    """Several runs as one: all their requests, over the sum of their wall times."""
    return LoadResult([o for r in results for o in r.outcomes], sum(r.wall for r in results))


def run(
    url: str,
    *,
    body: bytes | None = None,
    content_type: str = "image/png",
    concurrency: int = 4,
    duration: float = 10.0,
    total: int | None = None,
    timeout: float = 10.0,
    stop: threading.Event | None = None,
) -> LoadResult:
    """Hit `url` (POST when `body` is given, else GET) from `concurrency` threads until time, count or `stop`."""
    parts = urlsplit(url)
    _check_loopback(parts.hostname or "")
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    method = "POST" if body is not None else "GET"
    headers = {"Content-Type": content_type} if body is not None else {}
    stop = stop or threading.Event()
    result, lock = LoadResult(), threading.Lock()
    budget = [total if total is not None else float("inf")]
    deadline = time.monotonic() + duration

    def take() -> bool:
        with lock:
            if budget[0] <= 0:
                return False
            budget[0] -= 1
            return True

    def worker() -> None:
        conn = None
        while not stop.is_set() and time.monotonic() < deadline and take():
            t0, sent = time.monotonic(), 0.0
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
                conn.request(method, path, body=body, headers=headers)
                sent = time.monotonic()
                response = conn.getresponse()
                response.read()
                outcome = Outcome(t0, time.monotonic() - t0, response.status, sent=sent)
                if response.will_close:
                    conn.close()
                    conn = None
            except (TimeoutError, OSError, http.client.HTTPException) as exc:
                outcome = Outcome(t0, time.monotonic() - t0, 0, type(exc).__name__, sent)
                if conn is not None:
                    conn.close()
                conn = None
            with lock:
                result.outcomes.append(outcome)
        if conn is not None:
            conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(duration + timeout + 5)
    result.wall = time.monotonic() - started
    return result


@dataclass(frozen=True)
class Client:
    """A load generator as `alternating` drives it: one slice of requests, and the summary of several."""

    slice: Callable[[str, bytes | None, int, float], Any]  # (url, body or None for a GET, concurrency, seconds)
    summary: Callable[[list], dict]


PYTHON = Client(
    lambda url, body, concurrency, seconds: run(url, body=body, concurrency=concurrency, duration=seconds),
    lambda slices: merge(slices).summary(),
)


def alternating(
    url: str,
    image: bytes,
    concurrency: int,
    seconds: float,
    slices: int = 4,
    cpu: Callable[[], float] | None = None,
    client: Client = PYTHON,
) -> tuple[dict, dict]:
    """/health and /predict summaries, `seconds` each, measured in alternating slices: this shared VM's speed
    drifts by 10-20% over a minute, and the ratio should not depend on which came first. With `cpu` (the
    server's CPU seconds so far), each summary also says how much of the server's CPU a request of that route
    took (`server_cpu_ms`): the requests/s ratio also pays for the load generator's CPU, on the same cores."""
    routes = {"/health": None, "/predict": image}
    done: dict[str, list] = {route: [] for route in routes}
    cpu_s = dict.fromkeys(routes, 0.0)
    for _ in range(slices):
        for route, body in routes.items():
            before = cpu() if cpu else 0.0
            done[route].append(client.slice(url + route, body, concurrency, seconds / slices))
            cpu_s[route] += cpu() - before if cpu else 0.0
    summaries = {route: client.summary(parts) for route, parts in done.items()}
    if cpu:
        for route, summary in summaries.items():
            summary["server_cpu_ms"] = round(1000 * cpu_s[route] / max(1, summary["requests"]), 3)
    return summaries["/health"], summaries["/predict"]
