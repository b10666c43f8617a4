"""Every hostile input gets its documented status and JSON error (or a correct answer): never a 5xx."""

from __future__ import annotations

import base64

import pytest
import requests

from harness.hostile import cases, png_declaring
from harness.images import SEVEN, stroke_canvas


def check(status: int, body: dict, want_status: int, want: object) -> None:
    assert status == want_status, body
    if want_status == 200:
        assert abs(sum(body["probabilities"]) - 1) < 1e-3 and len(body["probabilities"]) == 10
        if want is not None:
            assert body["digit"] == want
    else:
        assert body["error"]["code"] == want and body["error"]["message"]


@pytest.mark.parametrize("name", list(cases()))
def test_hostile_input(client, name):
    kwargs, status, want = cases()[name]
    r = client.post("/predict", **kwargs)
    check(r.status_code, r.get_json(), status, want)


@pytest.mark.parametrize("route", ["/predict", "/predict/number"])
def test_pure_noise_is_no_answer(client, route):
    kwargs, _, _ = cases()["pure noise"]
    r = client.post(route, **kwargs)  # read as a photo: no pixel departs from its ground by five of its sigmas
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "empty_image"


def test_body_over_the_limit_is_413_before_reading_it(app):
    client = app.test_client()
    limit = app.config["MAX_CONTENT_LENGTH"]
    r = client.post("/predict", data=b"\0" * (limit + 1), content_type="image/png")
    assert r.status_code == 413 and r.get_json()["error"]["code"] == "request_entity_too_large"


def declared_but_not_sent(url: str, length: int) -> bytes:
    """Send only headers declaring a `length`-byte body, and read what the server answers."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(
            f"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: {length}\r\n\r\n".encode()
        )
        return sock.recv(4096)  # a server waiting for the body would time out here instead


def test_batch_over_the_limit_is_refused_before_decoding(app):
    limit = app.extensions["settings"].max_batch
    r = app.test_client().post("/predict/batch", json={"images": ["not base64 at all"] * (limit + 1)})
    assert r.status_code == 413 and r.get_json()["error"]["code"] == "batch_too_large"


def test_batch_with_absurdly_nested_json(client):
    r = client.post(
        "/predict/batch", data='{"images": ' + "[" * 50000 + "]" * 50000 + "}", content_type="application/json"
    )
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "invalid_json"


def test_batch_with_one_bad_item_among_good_ones(client):
    good = base64.b64encode(stroke_canvas(SEVEN)).decode()
    bad = base64.b64encode(png_declaring(60000, 60000)).decode()
    body = client.post("/predict/batch", json={"images": [good, bad, good]}).get_json()
    assert [r.get("digit") for r in body["results"]] == [7, None, 7]
    assert body["results"][1]["error"] == {
        "code": "image_too_large",
        "status": 413,
        "message": body["results"][1]["error"]["message"],
    }


NASTIEST = [
    "decompression bomb",
    "png with bad crc",
    "truncated png",
    "exif-rotated jpeg",
    "json nested junk",
    "multipart with several",
    "pure noise",
    "animated gif",
]


def _send(url: str, kwargs: dict) -> requests.Response:
    """Flask test-client kwargs -> the same request over HTTP."""
    if "json" in kwargs:
        return requests.post(url, json=kwargs["json"], timeout=15)
    if kwargs.get("content_type") == "multipart/form-data":
        files = [
            (k, (n, f.getvalue())) for k, v in kwargs["data"].items() for f, n in (v if isinstance(v, list) else [v])
        ]
        return requests.post(url, files=files, timeout=15)
    return requests.post(url, data=kwargs["data"], headers={"Content-Type": kwargs["content_type"]}, timeout=15)


def test_nastiest_inputs_against_real_gunicorn_and_it_keeps_serving(server):
    workers = sorted(server.worker_pids())
    for name in NASTIEST:
        kwargs, status, want = cases()[name]
        r = _send(server.url + "/predict", kwargs)
        check(r.status_code, r.json(), status, want)
    bomb = requests.post(
        server.url + "/predict", data=b"\0" * (3 * 1024 * 1024), headers={"Content-Type": "image/png"}, timeout=15
    )
    assert bomb.status_code == 413 and bomb.json()["error"]["code"] == "request_entity_too_large"
    assert declared_but_not_sent(server.url, 10**9).startswith(b"HTTP/1.1 413")
    for _ in range(4):  # both workers still answer, and they are the same processes
        r = requests.post(
            server.url + "/predict", data=stroke_canvas(SEVEN), headers={"Content-Type": "image/png"}, timeout=10
        )
        assert r.status_code == 200 and r.json()["digit"] == 7
    assert sorted(server.worker_pids()) == workers
