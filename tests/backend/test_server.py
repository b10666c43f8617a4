"""Integration: the Procfile's real gunicorn on 127.0.0.1, real PNGs over HTTP, startup failures."""

from __future__ import annotations

import pytest
import requests

from support import SEVEN, Server, stroke_canvas


@pytest.fixture(scope="module")
def server():
    with Server() as s:
        yield s


def test_predicts_over_http(server):
    r = requests.post(
        server.url + "/predict", data=stroke_canvas(SEVEN), headers={"Content-Type": "image/png"}, timeout=10
    )
    assert r.status_code == 200 and r.json()["digit"] == 7


def test_forked_workers_answer_from_the_onnx_session_made_before_the_fork(server):
    ready = requests.get(server.url + "/ready", timeout=10).json()
    assert ready["engines"] == {"mnist": "onnxruntime", "fashion-mnist": "onnxruntime"}
    png = {"data": stroke_canvas(SEVEN), "headers": {"Content-Type": "image/png"}, "timeout": 10}
    answers = {requests.post(server.url + "/predict", **png).json()["confidence"] for _ in range(8)}
    assert len(answers) == 1  # both workers, same session, same numbers


def test_multipart_over_http_and_errors_are_json(server):
    files = {"image": ("seven.png", stroke_canvas(SEVEN), "image/png")}
    assert requests.post(server.url + "/predict", files=files, timeout=10).json()["digit"] == 7
    r = requests.post(server.url + "/predict", data=b"junk", headers={"Content-Type": "image/png"}, timeout=10)
    assert r.status_code == 422 and r.json()["error"]["code"] == "undecodable_image"


def test_two_workers_were_forked_from_a_preloaded_master(server):
    assert len(server.worker_pids()) == 2
    assert "Booting worker" in server.output()


def test_serves_the_frontend(server):
    r = requests.get(server.url + "/", timeout=10)
    assert r.status_code == 200 and '<div id="root">' in r.text


@pytest.mark.parametrize(
    "env, message",
    [
        ({"MODEL_PATH": "/nonexistent/model.pt"}, "does not exist"),
        ({"DEVICE": "tpu"}, "DEVICE must be auto, cpu or cuda"),
        ({"MAX_UPLOAD_BYTES": "lots"}, "MAX_UPLOAD_BYTES must be a whole number"),
    ],
)
def test_bad_startup_stops_with_one_clear_message(env, message):
    s = Server(env=env)
    with pytest.raises(RuntimeError) as err:
        s.start(timeout=60)
    assert message in str(err.value) and s.proc.returncode != 0
    assert "Traceback" not in s.output()
