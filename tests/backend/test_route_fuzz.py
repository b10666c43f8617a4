"""Property-based: any request to any route, in any of the forms the API takes, gets an answer or a JSON error with
its code and message: never a 5xx (this found DELETE /feedback/<an id past the database's integer> answering 500)."""

from __future__ import annotations

import base64
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.app import create_app
from harness.images import SEVEN, stroke_canvas

ADMIN = "an-admin-token-for-the-fuzz"
PNG = stroke_canvas(SEVEN)
ROUTES = [
    "/predict",
    "/predict/batch",
    "/predict/number",
    "/feedback",
    "/feedback/1",
    "/feedback/0",
    "/feedback/99999999999999999999",
    "/feedback/stats",
    "/feedback/export",
    "/model",
    "/model/report",
    "/models",
    "/health",
    "/ready",
]
PARAMS = ["model=mnist", "model=fashion-mnist", "model=nope", "model=", "include_input=1", "explain=1", "label=3"]
VALUES = st.sampled_from([None, "", "3", 3, -1, 10, "x", 3.5, True, [], {}, 2**70, "\x00"])
IMAGES = st.sampled_from([PNG, b"", b"junk", PNG[:100], b"GIF89a" + b"\0" * 20])


def as_text(image: bytes) -> st.SearchStrategy:
    encoded = base64.b64encode(image).decode()
    return st.sampled_from(["data:image/png;base64," + encoded, encoded, "data:text/html;base64,AAAA", 5, None, "!!!"])


@st.composite
def requests(draw) -> dict:
    """The keyword arguments of one test-client request."""
    route = draw(st.sampled_from(ROUTES))
    query = "&".join(draw(st.lists(st.sampled_from(PARAMS), max_size=3)))
    method = draw(st.sampled_from(["GET", "POST", "POST", "DELETE", "PUT"]))
    headers = draw(st.sampled_from([{}, {"X-Delete-Token": "t"}, {"Authorization": f"Bearer {ADMIN}"}]))
    image = draw(IMAGES)
    form = draw(st.sampled_from(["raw", "json", "multipart"]))
    kwargs = {"path": f"{route}?{query}", "method": method, "headers": headers}
    if form == "raw":
        kwargs |= {"data": image, "content_type": draw(st.sampled_from(["image/png", "text/plain", ""]))}
    elif form == "json":
        payload = {"image": draw(as_text(image)), "images": draw(st.lists(as_text(image), max_size=3))}
        payload |= {key: draw(VALUES) for key in draw(st.lists(st.sampled_from(["label", "predicted", "x"])))}
        kwargs |= {"data": json.dumps(payload), "content_type": "application/json"}
    else:
        fields = {"image": (io.BytesIO(image), "a.png"), "label": str(draw(VALUES))}
        kwargs |= {"data": fields, "content_type": "multipart/form-data"}
    return kwargs


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    database = tmp_path_factory.mktemp("fuzz") / "feedback.db"
    settings_ = {"device": "cpu", "database_url": f"sqlite:///{database}", "admin_token": ADMIN}
    return create_app({**settings_, "feedback_rate_limit": "100000/minute"}).test_client()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request=requests())
def test_any_request_to_any_route_gets_an_answer_or_a_json_error(fuzzed, request):
    r = fuzzed.open(**request)
    assert r.status_code < 500, (request, r.data[:300])
    if r.status_code >= 400:
        error = (r.get_json(silent=True) or {}).get("error") or {}
        assert error.get("code") and error.get("message"), (request, r.data[:300])
