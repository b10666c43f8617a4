"""/predict/number and ?explain=1 through the Flask test client: answers, inputs, errors."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from backend import explain
from backend.app import create_app
from harness.images import SEVEN, png, stroke_canvas, written


def test_a_number_is_read_left_to_right_with_boxes(client):
    r = client.post("/predict/number?include_input=1", data=written("2026"), content_type="image/png")
    body = r.get_json()
    assert r.status_code == 200 and body["number"] == "2026" and body["model"]["name"] == "mnist"
    assert [d["digit"] for d in body["digits"]] == [2, 0, 2, 6]
    xs = [d["box"][0] for d in body["digits"]]
    assert xs == sorted(xs) and all(40 <= x <= 900 for x in xs)
    for d in body["digits"]:
        assert len(d["probabilities"]) == 10 and d["input"].startswith("data:image/png;base64,")
        assert d["uncertain"] in (True, False) and 0 < d["box"][2] < 200 and 150 < d["box"][3] < 260
    assert body["uncertain"] == any(d["uncertain"] for d in body["digits"])


@pytest.mark.parametrize("text", ["70", "24"])
def test_two_touching_digits_are_read_as_two_by_the_pair_reader(client, text):
    touching = written(text, gap=0.5)  # the second digit's strokes run into the first's: one piece of ink
    body = client.post("/predict/number?include_input=1", data=touching, content_type="image/png").get_json()
    assert body["number"] == text and len(body["digits"]) == 2
    (x0, _, w0, _), (x1, _, w1, _) = (d["box"] for d in body["digits"])
    assert x0 < x1 and x0 + w0 < x1 + w1 and all(d["input"].startswith("data:image/png") for d in body["digits"])
    without = create_app({"device": "cpu", "pair_model": ""}).test_client()  # PAIR_MODEL= (empty): no reader
    alone = without.post("/predict/number", data=touching, content_type="image/png").get_json()
    assert len(alone["digits"]) == 1  # the piece read whole, as one digit


def test_one_digit_reads_as_predict_reads_it(client):
    one = client.post("/predict", data=stroke_canvas(SEVEN), content_type="image/png").get_json()
    many = client.post("/predict/number", data=stroke_canvas(SEVEN), content_type="image/png").get_json()
    assert many["number"] == "7" and many["digits"][0]["probabilities"] == one["probabilities"]


def test_the_same_inputs_as_predict(client):
    data = written("47")
    multipart = client.post(
        "/predict/number", data={"image": (io.BytesIO(data), "n.png")}, content_type="multipart/form-data"
    )
    as_json = client.post("/predict/number", json={"image": base64.b64encode(data).decode()})
    assert multipart.get_json()["number"] == as_json.get_json()["number"] == "47"


@pytest.mark.parametrize(
    "data, status, code",
    [
        (png(Image.new("RGBA", (400, 200), (0, 0, 0, 0))), 422, "empty_image"),
        (b"not an image", 422, "undecodable_image"),
    ],
)
def test_errors_are_json(client, data, status, code):
    r = client.post("/predict/number", data=data, content_type="image/png")
    assert r.status_code == status and r.get_json()["error"]["code"] == code


def test_more_digits_than_max_digits_is_its_own_error(app):
    from backend.app import create_app

    client = create_app({"device": "cpu", "max_digits": 3}).test_client()
    r = client.post("/predict/number", data=written("1234"), content_type="image/png")
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "too_many_digits"
    assert client.post("/predict/number?model=nope", data=written("12"), content_type="image/png").status_code == 404
    clothes = client.post("/predict/number?model=fashion-mnist", data=written("12"), content_type="image/png")
    assert clothes.status_code == 400 and clothes.get_json()["error"]["code"] == "not_a_digit_model"


def test_explain_maps_the_input_and_points_at_its_ink(client):
    r = client.post("/predict?explain=1&include_input=1", data=stroke_canvas(SEVEN), content_type="image/png")
    body = r.get_json()
    saliency = np.array(body["explanation"]["map"])
    field = np.asarray(Image.open(io.BytesIO(base64.b64decode(body["input"].split(",", 1)[1]))))
    assert saliency.shape == field.shape == (28, 28)
    assert body["explanation"]["png"].startswith("data:image/png;base64,")
    reach = explain.PATCH - 1  # a patch that hides a pixel may hide ink this far from it
    near_ink = np.zeros((28, 28), bool)
    for dy in range(-reach, reach + 1):
        for dx in range(-reach, reach + 1):
            near_ink |= np.roll(np.roll(field > 0, dy, 0), dx, 1)
    assert (~near_ink).any() and np.abs(saliency[~near_ink]).max() < 1e-6  # hiding empty background changes nothing
    assert saliency[field > 128].mean() > 0  # the strokes support the answer


def test_explain_per_digit_of_a_number(client):
    body = client.post("/predict/number?explain=1", data=written("71"), content_type="image/png").get_json()
    assert body["number"] == "71" and all(np.array(d["explanation"]["map"]).shape == (28, 28) for d in body["digits"])


def test_model_report_for_each_served_model(client):
    report = client.get("/model/report").get_json()
    assert report["model"]["sha256"] == client.get("/model").get_json()["sha256"]
    assert len(report["test"]["confusion"]) == 10 and report["misclassified"]
    assert len(report["curves"]["val_acc"]) >= 1
    fashion = client.get("/model/report?model=fashion-mnist")
    assert fashion.status_code == 200 and fashion.get_json()["model"]["dataset"] == "fashion-mnist"
    assert client.get("/model/report?model=nope").status_code == 404
