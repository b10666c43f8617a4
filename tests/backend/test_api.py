"""The API through Flask's test client: every input form, every answer field, every error code."""

from __future__ import annotations

import base64
import gzip
import io

import numpy as np
import pytest
from PIL import Image

from harness.images import ONE, SEVEN, paste_digit, png, render, stroke_canvas


@pytest.fixture(scope="module")
def seven_png(mnist_test):
    images, labels = mnist_test
    return png(render(paste_digit(images[0, 0].numpy(), 400, 300, 50, 50), "transparent"))  # test image 0 is a 7


def post_png(client, data: bytes, query: str = ""):
    return client.post(f"/predict{query}", data=data, content_type="image/png")


def test_raw_png_answer_has_every_field(client, seven_png):
    r = post_png(client, seven_png)
    assert r.status_code == 200
    body = r.get_json()
    assert body["digit"] == 7 and body["label"] == "7"
    assert len(body["probabilities"]) == 10 and abs(sum(body["probabilities"]) - 1) < 1e-4
    assert body["confidence"] == max(body["probabilities"]) and body["uncertain"] is False
    assert body["model"]["name"] == "mnist" and len(body["model"]["sha256"]) == 64
    assert "input" not in body


def test_multipart_form(client, seven_png):
    r = client.post("/predict", data={"image": (io.BytesIO(seven_png), "d.png")}, content_type="multipart/form-data")
    assert r.status_code == 200 and r.get_json()["digit"] == 7


@pytest.mark.parametrize("prefix", ["data:image/png;base64,", ""])
def test_json_data_url_and_bare_base64(client, seven_png, prefix):
    r = client.post("/predict", json={"image": prefix + base64.b64encode(seven_png).decode()})
    assert r.status_code == 200 and r.get_json()["digit"] == 7


def test_include_input_returns_the_28x28_field(client, seven_png):
    body = post_png(client, seven_png, "?include_input=1").get_json()
    assert body["input"].startswith("data:image/png;base64,")
    field = Image.open(io.BytesIO(base64.b64decode(body["input"].split(",", 1)[1])))
    assert field.size == (28, 28) and field.mode == "L" and np.asarray(field).max() > 200


@pytest.mark.parametrize("points, digit", [(ONE, 1), (SEVEN, 7)])
def test_drawn_strokes(client, points, digit):
    assert post_png(client, stroke_canvas(points)).get_json()["digit"] == digit


def test_small_digit_in_a_corner(client):
    small = [(x // 5 + 330, y // 5 + 330) for x, y in SEVEN]
    assert post_png(client, stroke_canvas(small, width=6)).get_json()["digit"] == 7


def test_fashion_model_by_name(client):
    shirt = np.zeros((300, 300), dtype=np.float32)
    shirt[40:280, 80:220] = 1  # a long solid block reads as clothing, and the answer uses its class names
    r = post_png(client, png(render(shirt, "white")), "?model=fashion-mnist")
    body = r.get_json()
    assert r.status_code == 200 and body["model"]["dataset"] == "fashion-mnist"
    assert body["label"] in (
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    )


def test_batch_keeps_order_and_reports_bad_items(client, seven_png):
    one = base64.b64encode(stroke_canvas(ONE)).decode()
    seven = base64.b64encode(seven_png).decode()
    r = client.post("/predict/batch", json={"images": [seven, "!!notbase64", one]})
    body = r.get_json()
    assert r.status_code == 200 and body["count"] == 3 and body["errors"] == 1
    assert body["results"][0]["digit"] == 7 and body["results"][2]["digit"] == 1
    assert body["results"][1]["error"]["code"] == "invalid_base64"


def test_batch_multipart(client, seven_png):
    files = [(io.BytesIO(seven_png), "a.png"), (io.BytesIO(stroke_canvas(ONE)), "b.png")]
    r = client.post("/predict/batch", data={"images": files}, content_type="multipart/form-data")
    assert [x["digit"] for x in r.get_json()["results"]] == [7, 1]


def test_health_ready_model_models(client):
    assert client.get("/health").get_json() == {"status": "ok"}
    ready = client.get("/ready").get_json()
    assert ready["ready"] is True and ready["models"]["mnist"] in ("cpu", "cuda", "cuda:0")
    card = client.get("/model").get_json()
    assert card["arch"] == "digitnet" and card["dataset"] == "mnist" and card["metrics"]["test_accuracy"] > 0.995
    listing = client.get("/models").get_json()
    assert listing["default"] == "mnist" and [m["name"] for m in listing["models"]] == ["mnist", "fashion-mnist"]
    assert [m["reads_numbers"] for m in listing["models"]] == [True, False]  # what the page's Number mode offers


TRANSPARENT = png(Image.new("RGBA", (400, 400), (0, 0, 0, 0)))


@pytest.mark.parametrize(
    "kwargs, status, code",
    [
        ({"data": b"", "content_type": "image/png"}, 400, "empty_body"),
        ({"data": b""}, 400, "empty_body"),
        ({"data": b"hello", "content_type": "text/plain"}, 415, "unsupported_media_type"),
        ({"data": b"hello"}, 415, "unsupported_media_type"),
        ({"data": b"hello", "content_type": "image/png"}, 422, "undecodable_image"),
        ({"data": TRANSPARENT, "content_type": "image/png"}, 422, "empty_image"),
        ({"data": b"{not json", "content_type": "application/json"}, 400, "invalid_json"),
        ({"json": [1, 2]}, 400, "invalid_json"),
        ({"json": {"img": "x"}}, 400, "missing_image"),
        ({"json": {"image": 5}}, 400, "invalid_image_field"),
        ({"json": {"image": "%%%"}}, 400, "invalid_base64"),
        ({"json": {"image": "data:text/html;base64,PGgxPg=="}}, 415, "unsupported_media_type"),
        ({"data": {"file": (io.BytesIO(b"x"), "x.png")}, "content_type": "multipart/form-data"}, 400, "missing_image"),
    ],
)
def test_errors_have_status_code_and_message(client, kwargs, status, code):
    r = client.post("/predict", **kwargs)
    body = r.get_json()
    assert r.status_code == status and body["error"]["code"] == code and body["error"]["message"]


def test_unknown_model_is_404(client, seven_png):
    r = post_png(client, seven_png, "?model=cifar")
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "unknown_model"


@pytest.mark.parametrize(
    "method, path, status, code",
    [
        ("get", "/nope", 404, "not_found"),
        ("get", "/predict", 405, "method_not_allowed"),
        ("delete", "/health", 405, "method_not_allowed"),
    ],
)
def test_routing_errors_are_json(client, method, path, status, code):
    r = getattr(client, method)(path)
    assert r.status_code == status and r.get_json()["error"]["code"] == code


def test_frontend_is_served_at_root(client):
    r = client.get("/")
    assert r.status_code == 200 and b'<div id="root">' in r.data  # the test command builds the frontend
    script = r.data.split(b'src="')[1].split(b'"')[0].decode()
    asset = client.get(script)
    assert asset.status_code == 200 and asset.mimetype in ("text/javascript", "application/javascript")


def test_the_page_goes_compressed_to_clients_that_take_it(client):
    script = client.get("/").data.split(b'src="')[1].split(b'"')[0].decode()
    plain = client.get(script)  # no Accept-Encoding: the file itself
    assert plain.headers.get("Content-Encoding") is None and "Accept-Encoding" in plain.headers["Vary"]
    zipped = client.get(script, headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip" and gzip.decompress(zipped.data) == plain.data
    assert zipped.mimetype == plain.mimetype and len(zipped.data) < len(plain.data) / 2
    assert "max-age=31536000" in zipped.headers["Cache-Control"] and "Accept-Encoding" in zipped.headers["Vary"]
    brotli = client.get(script, headers={"Accept-Encoding": "gzip, deflate, br"})  # the best the client takes
    assert brotli.headers["Content-Encoding"] == "br" and len(brotli.data) < len(zipped.data)
    refused = client.get(script, headers={"Accept-Encoding": "br;q=0, gzip;q=0"})
    assert refused.headers.get("Content-Encoding") is None and refused.data == plain.data
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip" and gzip.decompress(page.data) == client.get("/").data


@pytest.mark.parametrize("path", ["/assets/../../backend/app.py", "/assets/..%2f..%2fREADME.md", "/assets/nope.js"])
def test_nothing_but_the_built_page_is_served_in_any_encoding(client, path):
    for encoding in ("br, gzip", "gzip", ""):
        assert client.get(path, headers={"Accept-Encoding": encoding}).status_code == 404
