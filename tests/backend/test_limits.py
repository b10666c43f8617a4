"""CORS only for configured origins; preflight for JSON POSTs; limits set through the environment."""

from __future__ import annotations

import pytest

from backend.app import create_app


@pytest.fixture(scope="module")
def cors_client():
    return create_app({"cors_origins": "https://digits.example, http://localhost:5173"}).test_client()


def test_allowed_origin_gets_the_header(cors_client):
    r = cors_client.get("/health", headers={"Origin": "https://digits.example"})
    assert r.headers["Access-Control-Allow-Origin"] == "https://digits.example"


def test_other_origin_gets_no_header(cors_client):
    r = cors_client.get("/health", headers={"Origin": "https://evil.example"})
    assert r.status_code == 200 and "Access-Control-Allow-Origin" not in r.headers


def test_preflight_for_a_json_post(cors_client):
    r = cors_client.options(
        "/predict",
        headers={
            "Origin": "http://localhost:5173",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert "POST" in r.headers["Access-Control-Allow-Methods"]
    assert "content-type" in r.headers["Access-Control-Allow-Headers"].lower()


def test_preflight_from_another_origin_is_not_allowed(cors_client):
    r = cors_client.options(
        "/predict", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert "Access-Control-Allow-Origin" not in r.headers


def test_upload_and_batch_limits_come_from_settings():
    client = create_app({"max_upload_bytes": 4096, "max_batch": 2}).test_client()
    r = client.post("/predict", data=b"\0" * 5000, content_type="image/png")
    assert r.status_code == 413 and "4096" in r.get_json()["error"]["message"]
    r = client.post("/predict/batch", json={"images": ["a", "b", "c"]})
    assert r.status_code == 413 and "at most 2" in r.get_json()["error"]["message"]


def test_pixel_limit_comes_from_settings():
    from harness.images import stroke_canvas

    client = create_app({"max_image_pixels": 100 * 100}).test_client()
    r = client.post("/predict", data=stroke_canvas([(10, 10), (90, 90)]), content_type="image/png")
    assert r.status_code == 413 and r.get_json()["error"]["code"] == "image_too_large"
