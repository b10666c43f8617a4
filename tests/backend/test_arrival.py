"""backend/arrival.py's shortcut: which requests it takes as whole without h11 (the rest h11 decides)."""

import pytest

from backend.arrival import plain_and_whole

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
