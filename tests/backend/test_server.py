"""Integration: the Procfile's real gunicorn on 127.0.0.1, real PNGs over HTTP, startup failures."""

from __future__ import annotations

import psutil
import pytest
import requests

from harness import loadgen
from harness.images import SEVEN, stroke_canvas
from harness.server import Server, mapped_files, post


def post_seven(url: str) -> requests.Response:
    return post(url, stroke_canvas(SEVEN), timeout=10)


def test_predicts_over_http(server):
    r = post_seven(server.url)
    assert r.status_code == 200 and r.json()["digit"] == 7


def torch_libraries(pid: int) -> set[str]:
    return {path for path in mapped_files(pid) if "/torch/lib/" in path}


def test_master_and_workers_never_load_torch_on_a_cpu(server):
    post_seven(server.url)
    assert requests.get(server.url + "/ready", timeout=10).json()["engines"] == {
        "mnist": "onnxruntime",
        "fashion-mnist": "onnxruntime",
    }
    for pid in server.pids():
        assert not torch_libraries(pid), pid
        assert any("onnxruntime" in path for path in mapped_files(pid)), pid


def test_the_torch_engine_does_load_torch_in_master_and_workers():
    """The check above can fail: with INFERENCE_ENGINE=torch every process maps libtorch."""
    with Server(env={"DEVICE": "cpu", "INFERENCE_ENGINE": "torch"}, workers=1) as s:
        assert post_seven(s.url).json()["digit"] == 7
        assert all(torch_libraries(pid) for pid in s.pids())


def test_models_are_loaded_in_the_master_and_every_worker_answers(server):
    master = psutil.Process(server.proc.pid)
    assert any("onnxruntime" in path for path in mapped_files(master.pid))  # preload_app: the master loaded them
    workers = [psutil.Process(pid) for pid in server.worker_pids()]
    assert len(workers) == 2 and all(w.ppid() == master.pid for w in workers)
    before = {w.pid: sum(w.cpu_times()[:2]) for w in workers}
    result = loadgen.run(server.url + "/predict", body=stroke_canvas(SEVEN), concurrency=4, total=400)
    assert result.ok == 400
    busy = {w.pid: sum(w.cpu_times()[:2]) - before[w.pid] for w in workers}
    assert all(seconds > 0.05 for seconds in busy.values()), busy  # both workers did real work


def test_each_worker_makes_its_own_onnx_runtime_threads():
    """ONNX Runtime makes a session's intra-op threads with it, and a forked worker inherits none: each worker
    makes its own sessions, with TORCH_THREADS - 1 more threads per classifier and PAIR_THREADS - 1 for the pair
    reader (else a worker would run on one thread whatever it was told, and freeing the master's session in the
    worker would hang it). With one thread each, nothing is made again."""
    for env, extra in (({"TORCH_THREADS": "2", "PAIR_THREADS": "3"}, 1 + 1 + 2), ({"PAIR_THREADS": "1"}, 0)):
        with Server(env={"DEVICE": "cpu", **env}, workers=1) as s:
            assert post_seven(s.url).json()["digit"] == 7
            (worker,) = (psutil.Process(pid) for pid in s.worker_pids())
            assert worker.num_threads() == 1 + extra, env


def test_multipart_over_http_and_errors_are_json(server):
    files = {"image": ("seven.png", stroke_canvas(SEVEN), "image/png")}
    assert requests.post(server.url + "/predict", files=files, timeout=10).json()["digit"] == 7
    r = post(server.url, b"junk", timeout=10)
    assert r.status_code == 422 and r.json()["error"]["code"] == "undecodable_image"


def test_serves_the_frontend(server):
    r = requests.get(server.url + "/", timeout=10)
    assert r.status_code == 200 and '<div id="root">' in r.text


@pytest.mark.parametrize(
    "env, message",
    [
        ({"MODEL_PATH": "/nonexistent/model.pt"}, "model card /nonexistent/model.json is missing"),
        ({"DEVICE": "tpu"}, "DEVICE must be auto, cpu or cuda"),
        ({"MAX_UPLOAD_BYTES": "lots"}, "MAX_UPLOAD_BYTES must be a whole number"),
        ({"WEB_CONCURRENCY": "x"}, "WEB_CONCURRENCY must be a whole number, got 'x'"),
        ({"GUNICORN_TIMEOUT": "0"}, "GUNICORN_TIMEOUT must be between 1 and 3600"),
        ({"GUNICORN_READ_TIMEOUT": "soon"}, "GUNICORN_READ_TIMEOUT must be a whole number"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL must be debug, info, warning, error or critical"),
    ],
)
def test_bad_startup_stops_with_one_clear_message(env, message):
    s = Server(env=env)
    with pytest.raises(RuntimeError) as err:
        s.start(timeout=60)
    assert message in str(err.value) and s.proc.returncode != 0
    assert "Traceback" not in s.output()
    errors = [line for line in s.output().splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and errors[0].startswith("error: cannot start: ") and message in errors[0]
