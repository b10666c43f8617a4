"""A connection's states in backend/worker.py: a request while it arrives (what the connection has sent so far,
whether that is a whole request yet, and the socket that gunicorn's handler then reads it from), and an
answered connection while it waits for its client to close."""

from __future__ import annotations

import json
import select
import socket
import time
from dataclasses import dataclass, field

import h11

CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"  # what gunicorn sends for `Expect: 100-continue`
MAX_HEADERS = 4094 + 100 * (8190 + 2)  # gunicorn's request line and header limits (it refuses anything longer)
HELD_HEAD = 16384  # bytes: an answer's first write up to this long (its head) waits to go out with its body


def answer(status: str, code: str, message: str) -> bytes:
    """A whole HTTP answer with the API's JSON error, for a request the app never sees."""
    body = json.dumps({"error": {"code": code, "message": message}})
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nConnection: close\r\n"
        f"Content-Length: {len(body)}\r\n\r\n{body}"
    ).encode()


TIMED_OUT = answer("408 Request Timeout", "request_timeout", "the request did not arrive in time")


def received(sock: socket.socket, size: int) -> bytes | None:
    """What a non-blocking socket has for us: None if nothing yet, b"" once the client has closed it (or it failed)."""
    try:
        return sock.recv(size)
    except (BlockingIOError, InterruptedError):
        return None
    except OSError:
        return b""


@dataclass(eq=False)
class Arriving:
    """A connection whose request is still arriving: what it sent so far, and until when it may send."""

    sock: socket.socket
    addr: tuple
    listener: socket.socket
    deadline: float
    parser: h11.Connection = field(default_factory=lambda: h11.Connection(h11.SERVER, MAX_HEADERS))
    data: bytearray = field(default_factory=bytearray)
    continued: bool = False  # a 100 Continue was sent (gunicorn's own is then left out)
    watched: bool = False  # registered with the worker's selector


@dataclass(eq=False)
class Lingering:
    """An answered connection, half-closed, waiting for its client to close it."""

    sock: socket.socket
    deadline: float
    drained: int = 0


class Kept:
    """The client socket as gunicorn's handler sees it: the bytes kept first, then the socket itself. Once the
    handler half-closes it (after the answer), `linger` takes it: the worker waits for the client to close.

    gunicorn writes an answer's head and its body in two sends; the head is held here and goes out with the
    body's first bytes (or before anything else is done with the socket): one send and one segment instead of
    two, each waking the client."""

    def __init__(self, arriving: Arriving, linger):
        self._sock = arriving.sock
        self._data = memoryview(bytes(arriving.data))
        self._deadline = arriving.deadline
        self._continued = arriving.continued
        self._linger = linger
        self._answered = False
        self._held: bytes | None = None  # None until the first write; then the answer's head, until its body comes

    def recv(self, size: int) -> bytes:
        if self._answered:
            return b""  # the handler's wait for the client to close: the worker's selector does it
        if self._data:
            out, self._data = self._data[:size], self._data[size:]
            return bytes(out)
        # only a request handed over before its body (declared over MAX_UPLOAD_BYTES, refused unread) could read
        # on: if anything does, within the request's deadline
        left = self._deadline - time.monotonic()
        if left <= 0 or not select.select([self._sock], [], [], left)[0]:
            raise TimeoutError("the request did not arrive in time")
        return self._sock.recv(size)

    def send(self, data: bytes) -> int:
        if self._continued and data == CONTINUE:
            self._continued = False
            return len(data)
        self._flush()
        return self._sock.send(data)

    def sendall(self, data: bytes) -> None:
        if self._held is None and len(data) <= HELD_HEAD:
            self._held = bytes(data)  # the head: it goes out with what comes next
            return
        held, self._held = self._held, b""
        self._sock.sendall(held + data if held else data)

    def sendfile(self, file, offset: int = 0, count: int | None = None) -> int:
        self._flush()
        return self._sock.sendfile(file, offset, count)

    def _flush(self) -> None:
        if self._held:
            held, self._held = self._held, b""
            self._sock.sendall(held)

    def shutdown(self, how: int) -> None:
        self._flush()
        self._sock.shutdown(how)
        self._answered = how in (socket.SHUT_WR, socket.SHUT_RDWR)

    def settimeout(self, timeout: float | None) -> None:
        if not self._answered:
            self._sock.settimeout(timeout)

    def close(self) -> None:
        try:
            self._flush()
        except OSError:  # the client has gone: nothing more to send it
            pass
        if self._answered:
            self._linger(self._sock)
        else:
            self._sock.close()

    def __getattr__(self, name: str):
        return getattr(self._sock, name)


def plain_and_whole(data: bytes, max_body: int) -> bool:
    """Whether `data` holds a whole plain request: all its headers, no Transfer-Encoding or Expect, at most one
    Content-Length, and that many bytes of body (or more than max_body declared: the app refuses it unread).
    What nearly every client sends at once; the rest, and a request still arriving, is left to h11 (`whole`)."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return False
    head = bytes(data[:end]).lower()
    if b"\r\ntransfer-encoding:" in head or b"\r\nexpect:" in head or head.count(b"\r\ncontent-length:") > 1:
        return False
    start = head.find(b"\r\ncontent-length:")
    if start < 0:
        return True  # no body
    value = head[start + 17 :].split(b"\r\n", 1)[0].strip()
    return value.isdigit() and (len(data) - end - 4 >= int(value) or int(value) > max_body)


def whole(arriving: Arriving, max_body: int) -> bool:
    """Whether the request is complete, or must go to the handler now because its body is declared too long
    (the app refuses it unread). Sends 100 Continue to a client that waits for one before its body. Raises
    h11.RemoteProtocolError for what is not HTTP/1.1 as RFC 9112 writes it."""
    while True:
        event = arriving.parser.next_event()
        if event is h11.NEED_DATA:
            return False
        if isinstance(event, h11.Request):
            headers = dict(event.headers)
            if int(headers.get(b"content-length", 0)) > max_body:
                return True
            if event.http_version == b"1.1" and headers.get(b"expect", b"").lower() == b"100-continue":
                arriving.sock.send(CONTINUE)
                arriving.continued = True
        elif isinstance(event, h11.EndOfMessage) or event is h11.PAUSED:
            return True
