"""Clients that hold a server's connections: idle, trickling a request (slow loris), or keeping answered ones open."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

REQUEST_LINE = b"POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\n"
BODY_HEADERS = b"Content-Type: image/png\r\nContent-Length: 100000\r\n\r\n"


def trickle(port: int, how: str, stop: threading.Event, begun: threading.Semaphore) -> None:
    """The start of a request (then `begun` is released), then a byte of body (`how="body"`) or a header line
    (`"headers"`) a second, until `stop` or until the server cuts the connection off."""
    with socket.create_connection(("127.0.0.1", port)) as conn:
        try:
            conn.sendall(REQUEST_LINE + (BODY_HEADERS if how == "body" else b""))
            begun.release()
            while not stop.wait(1.0):
                conn.sendall(b"x" if how == "body" else b"X-Slow: 1\r\n")
        except OSError:  # cut off: what a defence does
            pass


def idle(port: int, stop: threading.Event, begun: threading.Semaphore) -> None:
    """A connection that sends nothing at all until `stop`."""
    with socket.create_connection(("127.0.0.1", port)):
        begun.release()
        stop.wait()


HELD = 100  # connections kept open at once (the oldest is closed beyond)


def keep_open(port: int, answered: list, stop: threading.Event, begun: threading.Semaphore) -> None:
    """GET /health again and again, reading each answer but not closing the connection (the last HELD stay
    open until `stop`); each answer read is counted in `answered`, and the first releases `begun`."""
    held: list[socket.socket] = []
    try:
        while not stop.is_set():
            conn = socket.create_connection(("127.0.0.1", port), timeout=10)
            held.append(conn)
            if len(held) > HELD:
                held.pop(0).close()
            conn.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            if conn.recv(4096).startswith(b"HTTP/1.1 200"):
                answered.append(1)
                if len(held) == 1:
                    begun.release()
    except OSError:
        pass
    finally:
        for conn in held:
            conn.close()


@contextmanager
def holding(target, count: int, *args) -> Iterator[None]:
    """`count` threads running target(*args, stop, begun), entered once each has begun (sent its request's start,
    or had its first answer); on leaving, they are stopped and joined."""
    stop, begun = threading.Event(), threading.Semaphore(0)
    threads = [threading.Thread(target=target, args=(*args, stop, begun), daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    try:
        for _ in threads:
            if not begun.acquire(timeout=10):
                raise RuntimeError("a client could not begin: is the server up?")
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join()
