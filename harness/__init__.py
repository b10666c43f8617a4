"""What the tests and the benchmarks share: drawings and encodings, a real gunicorn on loopback, a
bounded load generator, hostile inputs, a Heroku-style build. Import it as a package (`harness.*`);
tests run with the repository root on sys.path (pyproject.toml), benchmarks as `python -m bench.NAME`."""

import json
import os
import platform
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MNIST_CKPT = ROOT / "models" / "checkpoints" / "mnist-digitnet.pt"
FASHION_CKPT = ROOT / "models" / "checkpoints" / "fashion-mnist.pt"
ARTIFACTS = ROOT / "test-artifacts"  # screenshots and other things worth looking at after a run
RESULTS = ROOT / "bench" / "results"  # what the benchmarks measured


def machine() -> dict:
    """The CPU a figure was measured on (sessions run on more than one kind) and how many cores it has."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), cpu)
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count()}


def write_result(name: str, result: object, folder: Path = RESULTS) -> Path:
    """A benchmark's figures as FOLDER/NAME.json (indented JSON), a dict's with the `machine` that measured
    them and `when` (UTC); prints and returns the path."""
    if isinstance(result, dict):
        result = {**result, "machine": machine(), "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"results: {path}")
    return path
