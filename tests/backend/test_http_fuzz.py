"""Requests mangled at the byte level, sent whole or in pieces, to the real gunicorn and its worker (which reads
each request itself before gunicorn's parser does): every one is answered as HTTP or closed, never with a 5xx,
the unmangled ones are served, and no worker fails or is replaced."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest

from harness.framing import exchange, mangled, requests_of_every_shape, statuses
from harness.server import Server

EXCHANGES = 600
AT_ONCE = 8  # connections in flight (a request cut short waits for GUNICORN_READ_TIMEOUT)


@pytest.mark.parametrize("seed, threads", [(1, "1"), (2, "4")])  # GUNICORN_THREADS > 1: handled in a worker's threads
def test_mangled_requests_get_http_answers_and_the_workers_stay(seed, threads):
    shapes = requests_of_every_shape()

    def one(i: int) -> tuple[str, str, list[int], bytes]:
        rnd = random.Random(f"{seed}-{i}")
        name = rnd.choice(sorted(shapes))
        request, done = mangled(shapes[name], rnd)
        answer = exchange(server.port, request, rnd)
        return name, done, statuses(answer), answer

    with Server(env={"DEVICE": "cpu", "GUNICORN_READ_TIMEOUT": "2", "GUNICORN_THREADS": threads}) as server:
        workers = sorted(server.worker_pids())
        with ThreadPoolExecutor(AT_ONCE) as pool:
            results = list(pool.map(one, range(EXCHANGES)))
        assert sorted(server.worker_pids()) == workers
        log = server.output()
    for name, done, codes, answer in results:
        assert answer == b"" or codes, (name, done, answer[:200])  # HTTP, or closed without a word
        assert not [c for c in codes if c >= 500], (name, done, answer[:300])
        if done == "as it is":
            assert codes[-1] == 200, (name, answer[:300])
    assert sum(done == "as it is" for _, done, _, _ in results) > EXCHANGES // 8
    assert "Traceback" not in log and "Error reading a connection" not in log
