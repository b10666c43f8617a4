"""A Heroku-style deploy of the committed tree (git archive HEAD: commit first to test local changes):
the declared buildpacks build it, a web dyno runs the Procfile, and the page, the API and the memory
are what a user of a 512 MB dyno gets. See harness/heroku.py for the steps."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
import requests

from harness import heroku
from harness.images import SEVEN, stroke_canvas
from harness.server import Server, mapped_files

pytestmark = [pytest.mark.deploy, pytest.mark.slow]


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    return heroku.build(tmp_path_factory.mktemp("heroku"))


def dyno(build: heroku.Build, **env: str) -> Server:
    server = Server(workers=2, app_dir=build.app_dir, bin_dir=build.bin_dir)
    server.env = build.dyno_env(PORT=str(server.port), WEB_CONCURRENCY="2", **env)  # as Heroku sets them
    return server


def test_node_builds_the_page_then_python_installs_no_torch(build):
    assert build.buildpacks == ["heroku/nodejs", "heroku/python"]
    assert (build.app_dir / "frontend" / "dist" / "index.html").is_file()
    assert not (build.app_dir / "frontend" / "node_modules").exists()  # heroku-cleanup kept it out of the slug
    assert not (build.app_dir / "tests").exists()  # .slugignore
    site = next((build.python_dir / "lib").glob("python3.*/site-packages"))
    installed = {p.name.split("-")[0].lower() for p in site.glob("*.dist-info")}
    assert {"flask", "gunicorn", "onnxruntime", "numpy", "pillow"} <= installed
    assert not installed & {"torch", "torchvision", "triton", "matplotlib"}, installed
    assert not any(name.startswith("nvidia") for name in installed)


def test_a_web_dyno_serves_the_page_reads_a_digit_and_never_loads_torch(build):
    with dyno(build) as server:
        page = requests.get(server.url + "/", timeout=10)
        assert page.status_code == 200 and '<div id="root">' in page.text
        for asset in re.findall(r'(?:src|href)="(/assets/[^"]+)"', page.text):
            r = requests.get(server.url + asset, timeout=10)
            assert r.status_code == 200 and len(r.content) > 100, asset
        r = requests.post(
            server.url + "/predict", data=stroke_canvas(SEVEN), headers={"Content-Type": "image/png"}, timeout=10
        )
        assert r.status_code == 200 and r.json()["digit"] == 7
        assert requests.get(server.url + "/ready", timeout=10).json()["engines"]["mnist"] == "onnxruntime"
        assert len(server.pids()) == 3  # master + WEB_CONCURRENCY workers
        for pid in server.pids():
            assert not [path for path in mapped_files(pid) if "torch" in path], pid


def test_asking_this_build_for_torch_stops_with_what_to_install(build):
    server = dyno(build, INFERENCE_ENGINE="torch")
    with pytest.raises(RuntimeError):
        server.start(timeout=60)
    errors = [line for line in server.output().splitlines() if line.startswith("error:")]
    assert (
        errors == [errors[0]]
        and "needs torch, which is not installed: pip install -r requirements-gpu.txt" in errors[0]
    )
    assert "Traceback" not in server.output()


def test_a_push_without_the_node_buildpack_fails_the_build_with_the_fix(tmp_path):
    app = heroku.checkout(tmp_path)
    manifest = json.loads((app / "app.json").read_text())
    manifest["buildpacks"] = [{"url": "heroku/python"}]
    (app / "app.json").write_text(json.dumps(manifest))
    result = heroku.Build(app, app / ".heroku" / "python", ["heroku/python"])
    with pytest.raises(heroku.BuildFailed, match="heroku buildpacks:add --index 1 heroku/nodejs"):
        heroku.python_steps(result)


def test_python_version_is_pinned_to_what_is_tested(build):
    pinned = (build.app_dir / ".python-version").read_text().strip()
    out = subprocess.run(
        [str(build.bin_dir / "python"), "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert pinned == "3.11" and out.strip() == "(3, 11)"
