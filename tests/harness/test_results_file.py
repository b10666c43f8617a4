"""bench/results files: each says which machine measured it (sessions run on more than one CPU kind), and when."""

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from harness import write_result


def _cpuinfo_model() -> str | None:
    info = Path("/proc/cpuinfo")
    if not info.exists():
        return None
    return next(
        (line.split(":", 1)[1].strip() for line in info.read_text().splitlines() if line.startswith("model name")), None
    )


def test_a_result_names_the_cpu_and_cores_that_measured_it(tmp_path):
    path = write_result("figures", {"speedup": 5.1}, folder=tmp_path)
    saved = json.loads(path.read_text())
    assert path == tmp_path / "figures.json"
    assert saved["speedup"] == 5.1
    assert saved["machine"]["cores"] == os.cpu_count()
    model = _cpuinfo_model()
    if model is not None:
        assert saved["machine"]["cpu"] == model
    assert saved["machine"]["cpu"]


def test_a_result_says_when_it_was_measured_in_utc(tmp_path):
    before = datetime.now(UTC).replace(microsecond=0)
    saved = json.loads(write_result("figures", {"speedup": 5.1}, folder=tmp_path).read_text())
    when = datetime.strptime(saved["when"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert before <= when <= datetime.now(UTC) + timedelta(seconds=1)


def test_a_result_that_is_a_list_is_written_as_it_is(tmp_path):
    path = write_result("rows", [{"model": "s0"}, {"model": "s4"}], folder=tmp_path)
    assert json.loads(path.read_text()) == [{"model": "s0"}, {"model": "s4"}]
