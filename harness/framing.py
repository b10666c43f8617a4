"""Raw HTTP/1.x requests to a live server, whole or mangled at the byte level, sent at once or in pieces.

For fuzzing the request framing of backend/worker.py (which reads requests itself before gunicorn's parser does):
valid requests of every shape the API takes, and edits to their head and body that break the framing.
"""

from __future__ import annotations

import base64
import json
import random
import socket
import time

from harness.images import SEVEN, stroke_canvas


def _post(path: str, headers: bytes, body: bytes, version: bytes = b"HTTP/1.1") -> bytes:
    host = b"Host: x\r\n" if version == b"HTTP/1.1" else b""
    return b"POST %s %s\r\n%s%s\r\n" % (path.encode(), version, host, headers) + body


def _chunked(body: bytes, size: int = 1000) -> bytes:
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"


def requests_of_every_shape() -> dict[str, bytes]:
    """A valid request of each kind a client sends; each is answered 200 (or 100 Continue, then 200)."""
    png = stroke_canvas(SEVEN)
    form = b'--XyZ\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n\r\n' + png + b"\r\n--XyZ--\r\n"
    data_url = json.dumps({"image": "data:image/png;base64," + base64.b64encode(png).decode()}).encode()
    length = b"Content-Length: %d\r\n"
    return {
        "get": b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n",
        "png": _post("/predict", b"Content-Type: image/png\r\n" + length % len(png), png),
        "chunked": _post("/predict", b"Content-Type: image/png\r\nTransfer-Encoding: chunked\r\n", _chunked(png)),
        "100-continue": _post(
            "/predict", b"Content-Type: image/png\r\nExpect: 100-continue\r\n" + length % len(png), png
        ),
        "multipart": _post(
            "/predict/number", b"Content-Type: multipart/form-data; boundary=XyZ\r\n" + length % len(form), form
        ),
        "json": _post("/predict", b"Content-Type: application/json\r\n" + length % len(data_url), data_url),
        "http/1.0": _post("/predict", b"Content-Type: image/png\r\n" + length % len(png), png, b"HTTP/1.0"),
    }


def _add(header: bytes):
    return lambda head, rnd: head.replace(b"\r\n\r\n", b"\r\n" + header + b"\r\n\r\n")


def _swap(old: bytes, *new: bytes):
    return lambda head, rnd: head.replace(old, rnd.choice(new), 1)


HEAD_EDITS = [  # each takes a request's head (through its blank line) and a random.Random
    _swap(b"Host: x\r\n", b""),
    _add(b"Content-Length: 5"),
    _add(b"Transfer-Encoding: chunked"),
    _add(b"Transfer-Encoding: gzip, chunked"),
    _add(b"Transfer-Encoding: chunked, gzip"),
    _add(b"Transfer-Encoding: identity"),
    _swap(b"Content-Length: ", b"Content-Length: +", b"Content-Length: -", b"Content-Length:  0", b"Content-Length : "),
    _swap(b"Content-Length: ", b"Content-Length: 99999999999999999999", b"Content-Length: 1, ", b"content-LENGTH: "),
    lambda head, rnd: head.replace(b"\r\n", b"\n"),
    _swap(b"\r\n", b"\r\n "),  # a header line folded into the request line
    _add(b"X-A: b\r\n c"),  # obs-fold
    _add(b"X-A: \x00"),
    lambda head, rnd: _add(b"X-A: " + b"a" * rnd.choice([8000, 9000, 70000]))(head, rnd),
    lambda head, rnd: _add(b"\r\n".join(b"X-%d: y" % i for i in range(rnd.choice([99, 101, 300]))))(head, rnd),
    _swap(b"HTTP/1.1", b"HTTP/2.0", b"HTTP/1.2", b"HTTP/0.9", b"HTTP/1.10", b"http/1.1", b"HTTP/1.1 x", b""),
    _swap(b" /", b" http://x/", b" *", b"  /", b"\t/", b" /" + b"a" * 5000, b" /" + b"a" * 20000),
    lambda head, rnd: (
        rnd.choice([b"get", b"PO ST", b"CONNECT", b"PRI", b"\x16\x03\x01", b"POST\x00"]) + head[head.index(b" ") :]
    ),
    _add(b"Content-Type: image/png"),
    _add(b"Connection: keep-alive"),
    _add(b"Upgrade: h2c\r\nConnection: Upgrade"),
    _add(b"Expect: 100-continue"),
    _add(b"Expect: something"),
    _add(b"\xff\xfe: \xc3\x28"),
    lambda head, rnd: bytes(b if rnd.random() > 0.01 else rnd.randrange(256) for b in head),
]


def edit_body(body: bytes, rnd: random.Random) -> bytes:
    """Cut short, run long, a request pipelined after it, a flipped byte, a chunked trailer, a bare LF."""
    kind = rnd.randrange(6)
    if kind == 0:
        return body[: rnd.randrange(len(body) + 1)]
    if kind == 1:
        return body + rnd.randbytes(rnd.randrange(1, 200))
    if kind == 2:
        return body + b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
    if kind == 3:
        return bytes(c if rnd.random() > 0.001 else rnd.randrange(256) for c in body)
    if kind == 4:
        return body.replace(b"\r\n0\r\n\r\n", b"\r\n0\r\nX-T: 1\r\n\r\n")
    return body.replace(b"\r\n", b"\n", 1)


def mangled(request: bytes, rnd: random.Random) -> tuple[bytes, str]:
    """The request as it is (a quarter of the time), its head edited, or its head and body: (bytes, what was done)."""
    head, _, body = request.partition(b"\r\n\r\n")
    head += b"\r\n\r\n"
    depth, done = rnd.randrange(4), []
    if depth >= 1:
        edit = rnd.randrange(len(HEAD_EDITS))
        head, done = HEAD_EDITS[edit](head, rnd), [f"head edit {edit}"]
    if depth >= 2:
        body, done = edit_body(body, rnd), [*done, "body edit"]
    return head + body, ", ".join(done) or "as it is"


def exchange(port: int, request: bytes, rnd: random.Random, timeout: float = 10) -> bytes:
    """Send `request` (at once, or in up to 7 pieces with short gaps), maybe half-close, and read until the server
    closes, resets, or `timeout` passes; what it answered (b"" for nothing)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            cuts = sorted(rnd.sample(range(1, len(request)), min(rnd.randint(1, 6), len(request) - 1)))
            pieces = zip([0, *cuts], [*cuts, len(request)], strict=True) if rnd.random() < 0.4 else [(0, len(request))]
            for start, end in pieces:
                sock.sendall(request[start:end])
                time.sleep(rnd.choice([0, 0.001, 0.02]))
            if rnd.random() < 0.5:
                sock.shutdown(socket.SHUT_WR)
        except OSError:  # the server answered and closed before everything was sent
            pass
        answer = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                piece = sock.recv(65536)
            except (TimeoutError, ConnectionResetError):
                break
            if not piece:
                break
            answer += piece
        return answer


def statuses(answer: bytes) -> list[int]:
    """The status codes in an answer, in order (a 100 Continue comes before the real one)."""
    codes = []
    while answer.startswith(b"HTTP/1."):
        head, _, answer = answer.partition(b"\r\n\r\n")
        codes.append(int(head.split(b" ", 2)[1]))
        if codes[-1] != 100:
            break
    return codes
