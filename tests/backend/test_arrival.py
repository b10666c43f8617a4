"""backend/arrival.py: which requests it takes as whole without h11 (the rest h11 decides), and how the socket it
hands gunicorn's handler sends the answer (real socket pairs)."""

import socket
import time

import pytest

from backend.arrival import Arriving, Kept, plain_and_whole

POST = b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"


@pytest.mark.parametrize(
    "data, whole",
    [
        (b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n", True),
        (POST + b"Content-Length: 5\r\n\r\n12345", True),
        (POST + b"content-length:5\r\n\r\n1234567", True),  # more than declared: the rest is not this request's
        (POST + b"Content-Length: 5\r\n\r\n1234", False),  # the body is still arriving
        (POST + b"Content-Length: 5\r\n", False),  # so are the headers
        (POST + b"Content-Length: 999999999\r\n\r\n", True),  # over the limit: the app refuses it unread
        (POST + b"Transfer-Encoding: chunked\r\n\r\n5\r\n12345\r\n0\r\n\r\n", False),  # chunks: h11's to count
        (POST + b"Expect: 100-continue\r\nContent-Length: 5\r\n\r\n", False),  # waits for 100 Continue: h11's
        (POST + b"Content-Length: 5\r\nContent-Length: 5\r\n\r\n12345", False),  # two lengths: h11 refuses it
        (POST + b"Content-Length: five\r\n\r\n12345", False),
    ],
)
def test_a_plain_request_is_whole_when_its_declared_body_is_all_here(data, whole):
    assert plain_and_whole(data, max_body=1024) is whole


def _kept(sock: socket.socket) -> tuple[Kept, list]:
    lingering: list = []
    return Kept(Arriving(sock, ("127.0.0.1", 0), None, time.monotonic() + 5), lingering.append), lingering


def _pending(sock: socket.socket) -> bytes:
    """What has reached this end so far, without waiting."""
    try:
        return sock.recv(65536, socket.MSG_DONTWAIT)
    except BlockingIOError:
        return b""


def test_an_answers_head_goes_out_with_its_body_in_one_send():
    server, client = socket.socketpair()
    with server, client:
        kept, _ = _kept(server)
        kept.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n")
        assert _pending(client) == b""  # held ...
        kept.sendall(b"{}")
        assert _pending(client) == b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"  # ... and sent with the body
        kept.sendall(b"more")
        assert _pending(client) == b"more"  # later writes go straight out


def test_a_held_head_is_sent_before_a_file_and_when_the_answer_ends(tmp_path):
    body = tmp_path / "body.js"
    body.write_bytes(b"x" * 100)
    server, client = socket.socketpair()
    with server, client, body.open("rb") as file:
        kept, _ = _kept(server)
        kept.sendall(b"HEAD\r\n\r\n")
        kept.sendfile(file, 0, 100)
        assert _pending(client) == b"HEAD\r\n\r\n" + b"x" * 100
    server, client = socket.socketpair()
    with client:
        kept, lingering = _kept(server)
        kept.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")  # an answer without a body: the head alone
        kept.shutdown(socket.SHUT_WR)
        assert client.recv(100) == b"HTTP/1.1 204 No Content\r\n\r\n"
        kept.close()
        assert lingering == [server]  # answered: left to wait for the client to close
        server.close()
