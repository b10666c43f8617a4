"""The Dockerfile, which cannot be built here (no Docker engine): lint-clean, and every path it COPYs exists."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from harness import ROOT

DOCKERFILE = ROOT / "Dockerfile"


def instructions() -> list[str]:
    """The Dockerfile's instructions, continuation lines joined."""
    return [
        line.strip()
        for line in re.sub(r"\\\n", " ", DOCKERFILE.read_text()).splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def test_hadolint_finds_nothing():
    hadolint = shutil.which("hadolint") or str(ROOT / ".venv" / "bin" / "hadolint")
    out = subprocess.run([hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_every_copied_path_exists_in_the_repository():
    copies = [line.split()[1:] for line in instructions() if line.startswith("COPY ") and "--from=" not in line]
    sources = [src for args in copies for src in args[:-1] if not src.startswith("--")]
    assert "requirements.txt" in sources and "backend/" in sources
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for src in sources:
        prefix = src.rstrip("/")
        assert any(f == prefix or f.startswith(prefix + "/") for f in tracked), f"COPY {src}: not in the repository"


@pytest.mark.parametrize(
    "target, requirements, device", [("cpu", "requirements.txt", "cpu"), ("gpu", "requirements-gpu.txt", "cuda")]
)
def test_each_image_installs_its_requirements_and_runs_on_its_device(target, requirements, device):
    stages = re.split(r"^FROM ", DOCKERFILE.read_text(), flags=re.M)
    stage = next(s for s in stages if s.split("\n")[0].rstrip().endswith(f"AS {target}"))
    chain = stage + next(s for s in stages if s.split("\n")[0].rstrip().endswith("AS base"))
    assert f"-r {requirements}" in chain and f"DEVICE={device}" in stage
    if target == "cpu":
        assert stages[-1] is stage, "the CPU image must be the default (last) stage"


def requirement_names(name: str) -> set[str]:
    """Package names a requirements file installs, following -r includes."""
    names = set()
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-r "):
            names |= requirement_names(line[3:].strip())
        elif line:
            names.add(re.split(r"[=<>~!\[; ]", line)[0].lower())
    return names


def test_cpu_requirements_have_no_torch_and_each_file_extends_the_last():
    cpu, gpu, dev = (requirement_names(f) for f in ("requirements.txt", "requirements-gpu.txt", "requirements-dev.txt"))
    assert "onnxruntime" in cpu and not cpu & {"torch", "torchvision", "onnx", "matplotlib"}
    assert gpu - cpu == {"torch"} and cpu < gpu < dev and "torchvision" in dev
