"""Are the "why" maps faithful, and what do they cost? On 1,000 MNIST test digits and 1,000 pen drawings.

    .venv/bin/python -m bench.explain [--count 1000] [--latency 200]

1. Deletion (Petsiuk et al. 2018): pixels are set to the background most-important-first (by the map)
   and in random order, 5% of the 784 at a time; the area under the answer's probability curve is
   smaller when the map is right about what matters. Goal: AUC(map) <= 0.5 x AUC(random). Also over
   the ink pixels alone, a stricter test (every step then removes ink).
2. Model randomisation (Adebayo et al. 2018): the Spearman rank correlation between a digit's map from
   the trained network and from the same architecture with random weights. Goal: < 0.2.
3. Cost: /predict with and without ?explain=1 through the Procfile's gunicorn (2 workers), one request
   at a time: the p50 that explain adds per digit. Goal: <= 15 ms. Also /predict/number on a 6-digit number,
   where every digit gets its map (`latency.number`: what that adds, for the number and a digit).
Writes bench/results/explain.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np
import requests
import torch

from backend import explain
from backend.app import create_app
from harness import pen, write_result
from harness.browser import chromium
from harness.images import SEVEN, stroke_canvas, written
from harness.server import Server
from models import argtypes, data, nets, runtime

GOALS = {"deletion_ratio": 0.5, "randomisation_spearman": 0.2, "explain_ms_p50": 15.0}
STEPS = 20


def deletion_auc(field: np.ndarray, answer: int, order: np.ndarray, predict, background: float) -> float:
    """Mean probability of `answer` as pixels are hidden in `order`, STEPS equal slices of it."""
    batch = []
    flat = field.ravel()
    for k in range(STEPS + 1):
        hidden = flat.copy()
        hidden[order[: round(k * len(order) / STEPS)]] = background
        batch.append(hidden.reshape(field.shape))
    probs = predict(np.stack(batch)[:, None].astype(np.float32))[:, answer]
    return float(np.trapezoid(probs, dx=1 / STEPS))


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    ra, rb = (np.argsort(np.argsort(x.ravel(), kind="stable"), kind="stable").astype(float) for x in (a, b))
    return float(np.corrcoef(ra, rb)[0, 1])


def faithfulness(fields: np.ndarray, predictor, random_predict, rng: np.random.Generator) -> dict:
    """Deletion AUCs (map order, random order; all pixels and ink only) and randomisation correlations."""
    background = predictor.background
    rows = []
    for field in fields:
        answer = int(predictor.predict(field[None, None])[0].argmax())
        saliency = explain.occlusion_map(field, answer, predictor.predict, background)
        random_map = explain.occlusion_map(field, answer, random_predict, background)
        ink = np.flatnonzero(field.ravel() > background + 1e-3)
        by_map = np.argsort(-saliency.ravel(), kind="stable")
        ink_by_map = ink[np.argsort(-saliency.ravel()[ink], kind="stable")]
        rows.append(
            (
                deletion_auc(field, answer, by_map, predictor.predict, background),
                deletion_auc(field, answer, rng.permutation(field.size), predictor.predict, background),
                deletion_auc(field, answer, ink_by_map, predictor.predict, background),
                deletion_auc(field, answer, rng.permutation(ink), predictor.predict, background),
                spearman(saliency, random_map),
            )
        )
    a = np.array(rows)
    return {
        "n": len(a),
        "deletion_auc_map": round(float(a[:, 0].mean()), 4),
        "deletion_auc_random": round(float(a[:, 1].mean()), 4),
        "deletion_ratio": round(float(a[:, 0].mean() / a[:, 1].mean()), 4),
        "ink_deletion_auc_map": round(float(a[:, 2].mean()), 4),
        "ink_deletion_auc_random": round(float(a[:, 3].mean()), 4),
        "ink_deletion_ratio": round(float(a[:, 2].mean() / a[:, 3].mean()), 4),
        "randomisation_spearman": round(float(a[:, 4].mean()), 4),
    }


def random_network(card: dict):
    """The served model's architecture with fresh random weights, as a predict function."""
    torch.manual_seed(0)
    model = nets.build(card["arch"], **card["arch_args"]).eval()
    n = len(card["classes"])

    @torch.inference_mode()
    def predict(x: np.ndarray) -> np.ndarray:
        return torch.softmax(model(torch.from_numpy(x))[:, :n].double(), 1).numpy()

    return predict


NUMBER = "202614"  # a 6-digit number, for the cost of a map for each digit of /predict/number


def latency(count: int) -> dict:
    """p50 of /predict (a 7) and /predict/number (NUMBER) with and without ?explain=1 through gunicorn, one request
    at a time, with and without alternating."""
    canvases = {"/predict": stroke_canvas(SEVEN), "/predict/number": written(NUMBER, size=(900, 300), gap=0.95)}
    out = {}
    with Server(env={"DEVICE": "cpu"}) as server:
        for route, canvas in canvases.items():
            timings: dict[str, list[float]] = {"plain": [], "explain": []}
            for k in range(2 * count):
                t0 = time.perf_counter()
                requests.post(
                    server.url + route + ("?explain=1" if k % 2 else ""),
                    data=canvas,
                    headers={"Content-Type": "image/png"},
                    timeout=30,
                ).raise_for_status()
                timings["explain" if k % 2 else "plain"].append((time.perf_counter() - t0) * 1000)
            plain, with_map = statistics.median(timings["plain"]), statistics.median(timings["explain"])
            out[route] = {
                "plain_ms_p50": round(plain, 2),
                "explain_ms_p50": round(with_map, 2),
                "added_ms_p50": round(with_map - plain, 2),
            }
    digits = len(NUMBER)
    out["/predict/number"]["added_ms_p50_a_digit"] = round(out["/predict/number"]["added_ms_p50"] / digits, 2)
    return {**out["/predict"], "number": {"digits": digits, **out["/predict/number"]}}


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--count", type=argtypes.COUNT, default=1000, help="digits of each kind (default: 1000)")
    p.add_argument(
        "--latency", type=argtypes.COUNT, default=200, help="requests of each kind for the cost (default: 200)"
    )
    args = p.parse_args(argv)
    rng = np.random.default_rng(0)
    app = create_app({"device": "cpu"})
    predictor = app.extensions["predictors"]["mnist"]
    images, _ = data.load("mnist", train=False)
    picks = rng.choice(len(images), args.count, replace=False)
    mnist = runtime.normalise(images[picks, 0].numpy(), predictor.card["mean"], predictor.card["std"])
    with chromium() as browser:
        drawings = [i for i in pen.items(browser, args.count, 0, 0, seed=21) if i.kind == "pen"]
    pens = np.stack([predictor.prepare(i.data, 1 << 24).input[0] for i in drawings])
    random_predict = random_network(predictor.card)
    result = {
        "mnist": faithfulness(mnist, predictor, random_predict, rng),
        "pen": faithfulness(pens, predictor, random_predict, rng),
        "latency": latency(args.latency),
        "patch": explain.PATCH,
        "stride": explain.STRIDE,
    }
    worst = {
        "deletion_ratio": max(result["mnist"]["deletion_ratio"], result["pen"]["deletion_ratio"]),
        "randomisation_spearman": max(
            result["mnist"]["randomisation_spearman"], result["pen"]["randomisation_spearman"]
        ),
        "explain_ms_p50": result["latency"]["added_ms_p50"],
    }
    result.update(
        worst=worst,
        goals=GOALS,
        met={k: worst[k] <= GOALS[k] for k in GOALS},
    )
    print(json.dumps(result, indent=1))
    write_result("explain", result)
    return result


if __name__ == "__main__":
    main()
