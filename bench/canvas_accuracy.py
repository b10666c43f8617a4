"""Accuracy on what the server really reads: MNIST test digits pasted on 400x400 canvases.

    .venv/bin/python -m bench.canvas_accuracy [CHECKPOINT ...] [--count 3000]

Each digit is scaled to a random size (40-380 px) at a random place and sent through the
server's preprocessing as PNG bytes, cycling the three encodings browsers send (dark ink on
transparent, dark on white, white on black). Default: the shipped MNIST checkpoint. Writes
bench/results/canvas_accuracy.json.
"""

from __future__ import annotations

import argparse

import numpy as np

from backend import preprocess
from backend.config import load_settings
from backend.predictor import load
from harness import MNIST_CKPT, write_result
from harness.images import ENCODINGS, paste_digit, png, render
from models import argtypes, data


def canvases(count: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """(count, 1, 28, 28) model inputs made from pasted canvases, and their labels."""
    images, labels = data.load("mnist", train=False)
    rng = np.random.default_rng(seed)
    inputs, truth = [], []
    for n, i in enumerate(rng.choice(len(images), count, replace=False)):
        size = int(rng.integers(40, 380))
        top, left = (int(v) for v in rng.integers(0, 400 - size + 1, 2))
        canvas = png(render(paste_digit(images[i, 0].numpy(), 400, size, top, left), ENCODINGS[n % 3]))
        inputs.append(preprocess.prepare(canvas, "mnist-digit", [0.1307], [0.3081], 1 << 24).input)
        truth.append(int(labels[i]))
    return np.stack(inputs), np.array(truth)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoints", nargs="*", type=argtypes.checkpoint, default=[MNIST_CKPT])
    p.add_argument("--count", type=argtypes.COUNT, default=3000)
    args = p.parse_args(argv)
    inputs, truth = canvases(args.count)
    results = {}
    for path in args.checkpoints:
        predictor = load("m", path, load_settings({"models": {"m": path}, "device": "cpu"}))
        predicted = predictor.predict(inputs).argmax(1)
        card = predictor.card
        results[str(path)] = {
            "arch_args": card["arch_args"],
            "mnist_test_accuracy": card["metrics"]["test_accuracy"],
            "canvas_accuracy": round(float((predicted == truth).mean()), 4),
            "canvas_errors": int((predicted != truth).sum()),
            "canvases": args.count,
        }
        print(
            f"{path}: canvas accuracy {results[str(path)]['canvas_accuracy']:.4f} "
            f"({results[str(path)]['canvas_errors']} of {args.count} wrong), MNIST test {card['metrics']['test_accuracy']:.4f}"
        )
    write_result("canvas_accuracy", results)
    return results


if __name__ == "__main__":
    main()
