"""Clients that hold connections (backend/worker.py) against the Procfile's gunicorn on 127.0.0.1: they hold no
worker, a request that arrives in pieces is answered as if it came at once, and mangled ones stop no worker;
with GUNICORN_THREADS > 1 as well (one worker of two threads: gunicorn's gthread worker, which reads a request
in its thread, fails those of trickling and silent connections). A few seconds each (the mangled requests:
about 20 s)."""

from __future__ import annotations

import json
import random
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from harness import slowclients, stuckapp
from harness.images import SEVEN, stroke_canvas
from harness.server import Server, post

ENOUGH = 5.0  # seconds: a server that answers in milliseconds; a held worker would take until GUNICORN_TIMEOUT
THREADED = {"DEVICE": "cpu", "WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "2"}


@pytest.fixture(scope="module")
def threaded():
    """One worker handling requests in two threads."""
    with Server(env=THREADED, workers=1) as s:
        yield s


@pytest.fixture(params=["server", "threaded"])
def any_server(request):
    """The Procfile's server as deployed (2 sync workers), then one worker of two threads."""
    return request.getfixturevalue(request.param)


def _ask(server: Server, n: int, timeout: float) -> list[int]:
    """n /predict of a drawn 7, one after another: the digits answered."""
    png = stroke_canvas(SEVEN)
    return [post(server.url, png, timeout=timeout).json()["digit"] for _ in range(n)]


def _raw(server: Server, pieces: list[bytes], pause: float = 0.2) -> bytes:
    """Send a request in pieces, `pause` seconds apart, and read the whole answer."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        for piece in pieces:
            conn.sendall(piece)
            time.sleep(pause)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    return answer


def _json_of(answer: bytes) -> dict:
    return json.loads(answer.split(b"\r\n\r\n", 1)[1])


def test_clients_that_send_their_requests_a_byte_a_second_hold_no_worker(any_server):
    with (
        slowclients.holding(slowclients.trickle, 8, any_server.port, "body"),
        slowclients.holding(slowclients.trickle, 8, any_server.port, "headers"),
    ):  # every slow client has begun its request
        assert _ask(any_server, 10, timeout=ENOUGH) == [7] * 10
        assert requests.get(any_server.url + "/health", timeout=ENOUGH).status_code == 200


def test_connections_that_send_nothing_hold_no_worker(any_server):
    with slowclients.holding(slowclients.idle, 8, any_server.port):  # each is connected
        assert _ask(any_server, 5, timeout=ENOUGH) == [7] * 5


def test_clients_that_keep_answered_connections_open_hold_no_worker(any_server):
    """gunicorn waits up to 2 s after an answer for the client to close; that wait must not hold a worker."""
    answered: list = []
    with slowclients.holding(slowclients.keep_open, 4, any_server.port, answered):  # each holds one open already
        assert _ask(any_server, 20, timeout=1.5) == [7] * 20  # each under the 2 s a held worker would take
    assert len(answered) > 20  # they were answered too, without closing


def test_a_request_sent_in_pieces_is_answered_as_if_sent_at_once(any_server):
    png = stroke_canvas(SEVEN)
    at_once = post(any_server.url, png, timeout=10)
    head = f"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: {len(png)}\r\n\r\n"
    step = len(png) // 4 + 1
    answer = _raw(
        any_server, [head[:20].encode(), head[20:].encode()] + [png[i : i + step] for i in range(0, len(png), step)]
    )
    assert answer.startswith(b"HTTP/1.1 200") and _json_of(answer) == at_once.json()


def test_a_chunked_request_in_pieces_is_answered(any_server):
    png = stroke_canvas(SEVEN)
    head = b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nTransfer-Encoding: chunked\r\n\r\n"
    half = len(png) // 2
    chunks = [b"%x\r\n%s\r\n" % (len(part), part) for part in (png[:half], png[half:])]
    answer = _raw(any_server, [head, *chunks, b"0\r\n\r\n"])
    assert answer.startswith(b"HTTP/1.1 200") and _json_of(answer)["digit"] == 7


def test_a_client_that_waits_for_100_continue_gets_it_once_then_its_answer(any_server):
    """As curl does before a large body: the worker says 100 Continue, and gunicorn's own is not sent again."""
    png = stroke_canvas(SEVEN)
    head = (
        "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nExpect: 100-continue\r\n"
        f"Content-Length: {len(png)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", any_server.port), timeout=10) as conn:
        conn.sendall(head)
        assert conn.recv(4096) == b"HTTP/1.1 100 Continue\r\n\r\n"  # the body is sent only after it
        conn.sendall(png)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200") and _json_of(answer)["digit"] == 7


def test_a_request_that_does_not_arrive_in_time_gets_408_and_is_closed():
    with Server(env={"DEVICE": "cpu", "GUNICORN_READ_TIMEOUT": "1"}) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
            conn.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly part of it")
            answer = b""
            while chunk := conn.recv(4096):  # ends when the server closes it
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 408")
        assert _json_of(answer)["error"]["code"] == "request_timeout"
        assert _ask(server, 2, timeout=ENOUGH) == [7, 7]


def test_a_request_still_arriving_that_is_not_http_1_1_gets_a_json_400(server):
    """RFC 9112: an HTTP/1.1 request without a Host is a 400. Handed to gunicorn while it is still arriving, such
    a request could hold the worker, so the worker answers it without running the app."""
    answer = _raw(server, [b"GET /health HTTP/1.1\r\n", b"\r\n"])
    assert answer.startswith(b"HTTP/1.1 400") and _json_of(answer)["error"]["code"] == "bad_request"
    assert requests.get(server.url + "/health", timeout=ENOUGH).status_code == 200


SEEDS = [  # requests the mangled ones start from: plain, chunked, waiting for 100 Continue, a GET
    b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 10\r\n\r\n0123456789",
    b"POST /predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    b"POST /predict HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
    b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n",
]
SPLICES = [b"\r\n", b":", b" ", b"\x00", b"\r\n\r\n", b"x" * 9000, b"Host: y\r\n", b"Expect: 100-continue\r\n"]
SPLICES += [b"Content-Length: 99999999999999999999\r\n", b"Transfer-Encoding: chunked\r\n", b"ffffffffffffffff\r\n"]


def _mangled(rng: random.Random) -> bytes:
    """A request with a few bytes or pieces of HTTP deleted, inserted, flipped or cut off."""
    data = bytearray(rng.choice(SEEDS))
    for _ in range(rng.randint(1, 6)):
        i, op = rng.randrange(len(data) + 1), rng.randrange(4)
        if op == 0 and data:
            del data[i % len(data)]
        elif op == 1:
            data[i:i] = rng.choice(SPLICES)
        elif op == 2 and data:
            data[i % len(data)] ^= 1 << rng.randrange(8)
        else:
            del data[i:]
    return bytes(data)


@pytest.mark.parametrize("env", [{"DEVICE": "cpu"}, THREADED], ids=["sync", "threads"])
def test_mangled_requests_sent_in_pieces_never_stop_a_worker(env):
    """200 mangled requests, each cut into up to four pieces: the same workers run, none logged a traceback, and
    the server still reads."""
    rng = random.Random(34)
    with Server(env={**env, "GUNICORN_READ_TIMEOUT": "1"}, workers=int(env.get("WEB_CONCURRENCY", 2))) as server:
        workers = sorted(server.worker_pids())
        for _ in range(200):
            data = _mangled(rng)
            cuts = sorted(rng.sample(range(len(data) + 1), min(len(data) + 1, 3)))
            with socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn:
                try:
                    for start, end in zip([0, *cuts], [*cuts, len(data)], strict=True):
                        conn.sendall(data[start:end])
                    if rng.random() < 0.9:  # done sending (else the request may wait for its 408, a second)
                        conn.shutdown(socket.SHUT_WR)
                    conn.recv(65536)  # an answer, a close, or a 408
                except OSError:  # refused mid-way: a reset is an answer too
                    pass
        assert sorted(server.worker_pids()) == workers
        assert "Traceback" not in server.output()
        assert _ask(server, 2, timeout=ENOUGH) == [7, 7]


def test_requests_from_many_clients_at_once_are_all_answered_by_a_threaded_worker(threaded):
    """Eight clients at once against one worker of two threads: each gets its own right answer, and every
    answered connection comes back to the worker (the next requests are answered too)."""
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: _ask(threaded, 10, timeout=ENOUGH), range(8)))
    assert answers == [[7] * 10] * 8
    assert "Traceback" not in threaded.output()


def test_a_worker_whose_every_thread_hangs_is_replaced():
    """Two requests that never end hold both threads of the one worker (harness/stuckapp.py). It then sends no
    heartbeat, so after GUNICORN_TIMEOUT (2 s) the master replaces it, as it replaces a sync worker whose request
    hangs, and the next request is answered by the new worker; a worker that kept beating would be kept, taking
    no connection, and the request would wait for the hour the stuck ones sleep."""
    env = {**THREADED, "GUNICORN_TIMEOUT": "2"}
    with Server(env=env, workers=1, args=("harness.stuckapp:app",)) as server:
        [first] = server.worker_pids()
        stuck = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(2)]
        try:
            for conn in stuck:
                conn.sendall(b"GET /stuck HTTP/1.1\r\nHost: x\r\n\r\n")
            deadline = time.monotonic() + 10
            while server.output().count(stuckapp.STARTED) < 2 and time.monotonic() < deadline:  # both threads held
                time.sleep(0.05)
            assert server.output().count(stuckapp.STARTED) == 2
            assert requests.get(server.url + "/ready", timeout=30).status_code == 200
        finally:
            for conn in stuck:
                conn.close()
        assert first not in server.worker_pids() and "WORKER TIMEOUT" in server.output()
