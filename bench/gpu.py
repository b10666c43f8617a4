"""The GPU path, proven and timed: the same drawings answered through the real gunicorn (Procfile) with
DEVICE=cuda (the torch engine) and with DEVICE=cpu (ONNX Runtime), on a machine with a GPU.

    .venv/bin/python -m bench.gpu --save runs/gpu-inputs.npz    # where Chromium runs: draw the inputs
    python -m bench.gpu --inputs runs/gpu-inputs.npz             # on the GPU host: answer them both ways

The inputs are numbers of 1-6 MNIST test digits (harness.numbers) and single MNIST test digits redrawn
with a pen (harness.pen), drawn in Chromium and saved, since a GPU host need not have a browser. For
each engine: where /ready says each model runs, digit and whole-number accuracy, p50 ms of /predict
and of 6-digit /predict/number (one request at a time, 2 workers); then how often the two engines
give the same answer, and their largest difference in a probability. Writes bench/results/gpu.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

import numpy as np
import requests

from harness import write_result
from harness.server import Server, post_png
from models import argtypes


def save(path: Path, count: int, singles: int, seed: int) -> None:
    """Draw `count` numbers and `singles` pen-drawn digits in Chromium; keep their PNGs and truths in `path`."""
    from harness import numbers, pen
    from harness.browser import chromium

    with chromium() as browser:
        drawn = [(i.data, i.text, "number") for i in numbers.items(browser, count, seed)]
        drawn += [(i.data, str(i.label), "digit") for i in pen.items(browser, singles, 0, 0, seed=seed + 1)]
    write(path, drawn)
    print(f"{len(drawn)} inputs ({count} numbers, {singles} digits) in {path}")


def write(path: Path, inputs: list[tuple[bytes, str, str]]) -> None:
    """(PNG bytes, truth, "number" | "digit") for each input, as one .npz file (no pickles)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        data=np.frombuffer(b"".join(blob for blob, _, _ in inputs), dtype=np.uint8),
        ends=np.cumsum([len(blob) for blob, _, _ in inputs]),
        truth=np.array([truth for _, truth, _ in inputs]),
        route=np.array([route for _, _, route in inputs]),
    )


def load(path: Path) -> list[tuple[bytes, str, str]]:
    """(PNG bytes, truth, "number" | "digit") for each saved input."""
    with np.load(path) as saved:
        raw, ends = saved["data"].tobytes(), saved["ends"]
        starts = np.concatenate([[0], ends[:-1]])
        return [
            (raw[a:b], str(t), str(r)) for a, b, t, r in zip(starts, ends, saved["truth"], saved["route"], strict=True)
        ]


def answer_all(device: str, inputs: list[tuple[bytes, str, str]]) -> dict:
    """Every input posted once to a fresh server with DEVICE=`device`: what it said, and how long it took."""
    with Server(env={"DEVICE": device}) as server:
        ready = requests.get(server.url + "/ready", timeout=10).json()
        replies = []
        for blob, truth, route in inputs:
            body, ms = post_png(server.url, blob, "/predict/number" if route == "number" else "/predict")
            said = body.get("number", "") if route == "number" else str(body.get("digit", ""))
            probs = (
                [d["probabilities"] for d in body.get("digits", ())] if route == "number" else [body["probabilities"]]
            )
            replies.append(
                {"said": said, "ok": said == truth, "ms": ms, "probs": probs, "route": route, "truth": truth}
            )
    digits = [r for r in replies if r["route"] == "digit"]
    numbers = [r for r in replies if r["route"] == "number"]
    six = [r["ms"] for r in numbers if len(r["truth"]) == 6]
    return {
        "ready": ready,
        "digit_accuracy": round(float(np.mean([r["ok"] for r in digits])), 4) if digits else None,
        "number_accuracy": round(float(np.mean([r["ok"] for r in numbers])), 4) if numbers else None,
        "p50_ms_predict": round(statistics.median(r["ms"] for r in digits), 2) if digits else None,
        "p50_ms_6_digits": round(statistics.median(six), 2) if six else None,
        "replies": replies,
    }


def agreement(a: list[dict], b: list[dict]) -> dict:
    """How often two engines said the same, and their largest difference in any probability they both gave."""
    same = [x["said"] == y["said"] for x, y in zip(a, b, strict=True)]
    diffs = [
        float(np.max(np.abs(np.array(p) - np.array(q))))
        for x, y in zip(a, b, strict=True)
        for p, q in zip(x["probs"], y["probs"], strict=False)
    ]
    return {
        "same_answer": round(float(np.mean(same)), 4),
        "max_probability_difference": round(max(diffs, default=0), 5),
    }


def main(argv: list[str] | None = None) -> dict | None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--save", type=Path, help="draw the inputs in Chromium and save them here, then stop")
    p.add_argument("--inputs", type=Path, default=Path("runs/gpu-inputs.npz"), help="the saved inputs to answer")
    p.add_argument("--count", type=argtypes.COUNT, default=200, help="with --save: drawn numbers (default: 200)")
    p.add_argument(
        "--singles", type=argtypes.COUNT, default=300, help="with --save: pen-drawn single digits (default: 300)"
    )
    p.add_argument("--seed", type=argtypes.SEED, default=12, help="with --save: seed of the drawings (default: 12)")
    args = p.parse_args(argv)
    if args.save:
        save(args.save, args.count, args.singles, args.seed)
        return None
    inputs = load(args.inputs)
    runs = {device: answer_all(device, inputs) for device in ("cuda", "cpu")}
    result = {device: {k: v for k, v in run.items() if k != "replies"} for device, run in runs.items()} | {
        "agreement": agreement(runs["cuda"]["replies"], runs["cpu"]["replies"]),
        "inputs": len(inputs),
    }
    import torch  # only to name the GPU

    result.update(
        gpu=torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        torch=str(torch.__version__),
    )
    print(json.dumps(result, indent=1))
    write_result("gpu", result)
    return result


if __name__ == "__main__":
    main()
