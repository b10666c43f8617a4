"""Clients that hold connections (backend/worker.py) against the Procfile's gunicorn on 127.0.0.1: they hold no
worker, and a request that arrives in pieces is answered as if it came at once. Each test runs a few seconds."""

from __future__ import annotations

import json
import socket
import time

import requests

from harness import slowclients
from harness.images import SEVEN, stroke_canvas
from harness.server import Server

ENOUGH = 5.0  # seconds: a server that answers in milliseconds; a held worker would take until GUNICORN_TIMEOUT


def _ask(server: Server, n: int, timeout: float) -> list[int]:
    """n /predict of a drawn 7, one after another: the digits answered."""
    png = stroke_canvas(SEVEN)
    return [
        requests.post(server.url + "/predict", data=png, headers={"Content-Type": "image/png"}, timeout=timeout).json()[
            "digit"
        ]
        for _ in range(n)
    ]


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


def test_clients_that_send_their_requests_a_byte_a_second_hold_no_worker(server):
    stop_bodies, bodies = slowclients.start(slowclients.trickle, 8, server.port, "body")
    stop_headers, headers = slowclients.start(slowclients.trickle, 8, server.port, "headers")
    try:
        time.sleep(1.5)  # every slow client has begun its request and sent more since
        assert _ask(server, 10, timeout=ENOUGH) == [7] * 10
        assert requests.get(server.url + "/health", timeout=ENOUGH).status_code == 200
    finally:
        for stop, threads in ((stop_bodies, bodies), (stop_headers, headers)):
            stop.set()
            for thread in threads:
                thread.join()


def test_clients_that_keep_answered_connections_open_hold_no_worker(server):
    """gunicorn waits up to 2 s after an answer for the client to close; that wait must not hold a worker."""
    answered: list = []
    stop, threads = slowclients.start(slowclients.keep_open, 4, server.port, answered)
    try:
        time.sleep(0.5)
        assert _ask(server, 20, timeout=1.5) == [7] * 20  # each under the 2 s a held worker would take
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert len(answered) > 20  # they were answered too, without closing


def test_a_request_sent_in_pieces_is_answered_as_if_sent_at_once(server):
    png = stroke_canvas(SEVEN)
    at_once = requests.post(server.url + "/predict", data=png, headers={"Content-Type": "image/png"}, timeout=10)
    head = f"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: {len(png)}\r\n\r\n"
    step = len(png) // 4 + 1
    answer = _raw(
        server, [head[:20].encode(), head[20:].encode()] + [png[i : i + step] for i in range(0, len(png), step)]
    )
    assert answer.startswith(b"HTTP/1.1 200") and _json_of(answer) == at_once.json()


def test_a_chunked_request_in_pieces_is_answered(server):
    png = stroke_canvas(SEVEN)
    head = b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nTransfer-Encoding: chunked\r\n\r\n"
    half = len(png) // 2
    chunks = [b"%x\r\n%s\r\n" % (len(part), part) for part in (png[:half], png[half:])]
    answer = _raw(server, [head, *chunks, b"0\r\n\r\n"])
    assert answer.startswith(b"HTTP/1.1 200") and _json_of(answer)["digit"] == 7


def test_a_client_that_waits_for_100_continue_gets_it_once_then_its_answer(server):
    """As curl does before a large body: the worker says 100 Continue, and gunicorn's own is not sent again."""
    png = stroke_canvas(SEVEN)
    head = (
        "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nExpect: 100-continue\r\n"
        f"Content-Length: {len(png)}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
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
