"""Fit `backend.segment.SPLIT_W`: when is a group of ink two touching digits rather than one wide digit?

    .venv/bin/python -m bench.fit_split [--count 400] [--seed 99]

Draws numbers (harness/numbers.py) with a seed of their own -- never bench/numbers.py's -- groups their
ink as the server does, labels each group by how many of the drawn digits' centres it holds, and fits
a logistic rule on segment.split_features with the served MNIST model's confidence. Missing a touching
pair costs as much as cutting a digit in two (the classes are weighted to balance). Prints the weights
to paste into SPLIT_W and writes bench/results/fit_split.json.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from backend import decode, segment
from backend.app import create_app
from harness import numbers, write_result
from harness.browser import chromium


def labelled_groups(items, predictor) -> tuple[np.ndarray, np.ndarray]:
    """(features (N, 6), 1 where the group holds two or more digits) over the items' wide groups."""
    rows, labels = [], []
    for item in items:
        drawing = segment.Drawing(decode.ink_of(item.data, 1 << 24))
        masks = segment.groups(drawing, 12)
        height = segment.line_height(masks)
        whole = [drawing.whole()] if len(masks) == 1 else [drawing.digit(m) for m in masks]
        probs = predictor.predict(np.stack([predictor.prepare_ink(d.ink).input for d in whole]))
        centres = [(a + b) / 2 for a, b in item.spans]
        for k, mask in enumerate(masks):
            x0, x1 = segment._x_range(mask)
            inside = sum(drawing.left + x0 / drawing.scale <= c <= drawing.left + x1 / drawing.scale for c in centres)
            if x1 - x0 > segment.NARROW * height and inside:
                rows.append(segment.split_features(drawing, masks, k, height, float(probs[k].max())))
                labels.append(1.0 if inside >= 2 else 0.0)
    return np.array(rows), np.array(labels)


def fit(x: np.ndarray, y: np.ndarray, steps: int = 20000) -> np.ndarray:
    """Class-balanced logistic regression by gradient descent (a little L2 on the weights)."""
    weight = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-x @ w))
        w -= 0.2 * (x.T @ (weight * (p - y)) / len(y) + 1e-3 * w)
    return w


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--count", type=int, default=400, help="drawn numbers (default: 400)")
    p.add_argument("--seed", type=int, default=99, help="seed of the drawings (default: 99; the benchmark uses 12)")
    args = p.parse_args(argv)
    with chromium() as browser:
        items = numbers.items(browser, args.count, args.seed)
    predictor = create_app({"device": "cpu"}).extensions["predictors"]["mnist"]
    x, y = labelled_groups(items, predictor)
    w = fit(x, y)
    split = x @ w > 0
    result = {"weights": [round(float(v), 3) for v in w], "groups": len(y), "touching_groups": int(y.sum()),
              "singles_cut": int((split & (y == 0)).sum()), "pairs_missed": int((~split & (y == 1)).sum()),
              "settings": vars(args), "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}  # fmt: skip
    print(json.dumps(result, indent=1))
    print(f"SPLIT_W = {tuple(result['weights'])}")
    write_result("fit_split", result)
    return result


if __name__ == "__main__":
    main()
