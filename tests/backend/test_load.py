"""Short, bounded versions of bench/load.py: steady load, a killed worker, a graceful SIGTERM (127.0.0.1 only)."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from harness import faults, loadgen, wrk
from harness.images import SEVEN, stroke_canvas
from harness.server import Server, post


def test_steady_load_has_no_failures_and_memory_does_not_grow(server):
    r = faults.sustained(server, seconds=8, concurrency=32)
    assert r["requests"] > 50 and r["failed"] == 0, r["errors"]
    assert r["pss_growth_mb"] < 25  # a leak of even 100 KB per request would show


def test_killed_worker_is_replaced_with_under_one_percent_failures(server):
    r = faults.kill_worker(server, seconds=9, concurrency=8)
    assert r["replaced"] and r["requests"] > 50
    assert r["failure_rate"] < 0.01, r


@pytest.mark.parametrize("threads", ["1", "2"])
def test_sigterm_completes_requests_in_flight_and_workers_exit_by_themselves(threads):
    """As deployed, and with each worker handling requests in two threads (GUNICORN_THREADS)."""
    server = Server(env={**faults.PATIENT_MASTER, "GUNICORN_THREADS": threads}, workers=2).start()
    try:
        r = faults.graceful_term(server, wait=60)
    finally:
        server.stop()
    assert r["requests_before_term"] > 10 and r["lost_in_flight"] == 0 and r["exit_code"] == 0, r


def test_the_server_cpu_a_request_is_measured_per_route(server):
    empty, pred = loadgen.alternating(
        server.url, stroke_canvas(SEVEN), concurrency=2, seconds=2, slices=2, cpu=server.cpu_seconds
    )
    assert pred["failed"] == 0 and empty["failed"] == 0
    # decoding, the recipe and the network cost the workers more than a route that only answers...
    assert 0 < empty["server_cpu_ms"] < pred["server_cpu_ms"]
    # ...and no more than every core for the whole of /predict's slices (a tick of slack): CPU, not wall time
    assert pred["server_cpu_ms"] * pred["requests"] <= 1000 * pred["seconds"] * os.cpu_count() + 20


def test_load_generator_refuses_anything_but_loopback():
    with pytest.raises(ValueError, match="loopback"):
        loadgen.run("http://10.0.0.1:80/", total=1)


@pytest.mark.skipif(not wrk.available(), reason="wrk is not installed (scripts/setup.sh dev installs it)")
def test_wrk_posts_the_image_and_every_predict_is_answered(server):
    empty, pred = loadgen.alternating(
        server.url, stroke_canvas(SEVEN), concurrency=2, seconds=2, slices=2, client=wrk.CLIENT
    )
    assert pred["requests"] > 10 and pred["failed"] == 0  # a body wrk did not send would be a 4xx
    assert empty["requests"] > 10 and empty["failed"] == 0


def test_wrk_refuses_anything_but_loopback():
    with pytest.raises(ValueError, match="loopback"):
        loadgen.alternating("http://10.0.0.1:80", b"", concurrency=1, seconds=1, slices=1, client=wrk.CLIENT)


@pytest.mark.parametrize("threads", ["1", "2"])
def test_workers_restarted_after_max_requests_lose_no_request(threads):
    """GUNICORN_MAX_REQUESTS: each worker leaves after about 40 requests and is replaced, while four clients post
    all along; every request is answered, by workers of several generations."""
    env = {"DEVICE": "cpu", "GUNICORN_MAX_REQUESTS": "40", "GUNICORN_THREADS": threads}
    with Server(env=env, workers=2) as server:
        first = set(server.worker_pids())
        png = stroke_canvas(SEVEN)
        with ThreadPoolExecutor(4) as pool:
            codes = list(pool.map(lambda _: post(server.url, png).status_code, range(400)))
        assert codes == [200] * 400
        assert not first & set(server.worker_pids())  # each first worker has been replaced
