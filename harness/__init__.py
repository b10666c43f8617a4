"""What the tests and the benchmarks share: drawings and encodings, a real gunicorn on loopback, a
bounded load generator, hostile inputs, a Heroku-style build. Import it as a package (`harness.*`);
tests run with the repository root on sys.path (pyproject.toml), benchmarks as `python -m bench.NAME`."""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MNIST_CKPT = ROOT / "models" / "checkpoints" / "mnist-digitnet.pt"
FASHION_CKPT = ROOT / "models" / "checkpoints" / "fashion-mnist.pt"
ARTIFACTS = ROOT / "test-artifacts"  # screenshots and other things worth looking at after a run
RESULTS = ROOT / "bench" / "results"  # what the benchmarks measured


def write_result(name: str, result: object) -> Path:
    """A benchmark's figures as bench/results/NAME.json (indented JSON); prints and returns the path."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"results: {path}")
    return path
