"""Serving speed for every kind of PNG clients send, against the real gunicorn (Procfile) on 127.0.0.1.

    .venv/bin/python -m bench.serve [--seconds 6] [--kinds chromium-400,jpeg-280,...] [--client python|wrk]

Kinds: a 7 drawn by real Chromium's canvas.toBlob() (what the page sends: 280 px; and 400 px), the same
pixels encoded by Pillow (adaptive filters, as scripts write), by OpenCV, as a JPEG, and a 28x28
MNIST-style PNG. For each kind:
1. in process (one thread, like a worker): median ms of decode + ink map, the MNIST recipe, the
   forward pass, and the whole Flask request;
2. through gunicorn (the Procfile's, 2 workers) at concurrency 4: /predict vs /health requests/s (in
   alternating slices: this VM's speed drifts within minutes), /predict p50/p99, and the server's own
   CPU milliseconds a request of each route (master and workers; the ratio of requests/s also pays for
   the load generator's CPU, which shares the cores).
Memory (summed PSS of master + workers) after the load. The goals are judged on the worst kind.
Writes bench/results/serve.json (serve-wrk.json with `--client wrk`). The load generator shares the 2
cores with the server, so its own cost per request is in every figure: wrk's is a third of ours.
"""

from __future__ import annotations

import argparse
import statistics
import time

from harness import loadgen, write_result, wrk
from harness.browser import chromium_canvas
from harness.clients import ENCODERS, encodings, mnist_style
from harness.images import SEVEN
from harness.server import Server
from models import argtypes

GOALS = {"ratio": 0.30, "p99_ms": 8.0, "prepare_ms": 1.0, "pss_mb": 200}


SIZES = (280, 400)  # px: the canvases drawn
MNIST_KIND = "mnist-28"  # an MNIST test digit as a 28x28 PNG
KINDS = [f"{name}-{size}" for size in SIZES for name in ENCODERS] + [MNIST_KIND]  # `kinds`' names, in its order


def kinds() -> dict[str, bytes]:
    """name -> the image bytes of that kind."""
    from models import data

    out = {}
    for size in SIZES:
        k = size / 400
        canvas = chromium_canvas([(round(x * k), round(y * k)) for x, y in SEVEN], round(24 * k), size)
        out.update({f"{name}-{size}": blob for name, blob in encodings(canvas).items()})
    images, labels = data.load("mnist", train=False)
    out[MNIST_KIND] = mnist_style(images[0, 0].numpy())  # test digit 0, a 7
    return out


def stage_times(images: dict[str, bytes], runs: int = 300) -> dict[str, dict]:
    """Per kind: median milliseconds of each stage of one /predict, in this process, one thread."""
    from backend import decode, preprocess
    from backend.app import create_app
    from models import runtime

    app = create_app({"device": "cpu", "torch_threads": 1})
    predictor = app.extensions["predictors"]["mnist"]
    client = app.test_client()
    out = {}
    for name, blob in images.items():
        stages: dict[str, list[float]] = {k: [] for k in ("ink", "recipe", "prepare", "forward", "flask_total")}
        for _ in range(runs):
            t0 = time.perf_counter()
            ink = decode.ink_of(blob, 1 << 24)
            t1 = time.perf_counter()
            field = preprocess.RECIPES["mnist-digit"](ink)
            t2 = time.perf_counter()
            predictor.predict(runtime.normalise(field[None, None], predictor.card["mean"], predictor.card["std"]))
            t3 = time.perf_counter()
            answer = client.post("/predict", data=blob, content_type="image/png")
            t4 = time.perf_counter()
            for key, dt in zip(
                ("ink", "recipe", "forward", "flask_total"), (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True
            ):
                stages[key].append(dt * 1000)
            stages["prepare"].append((t2 - t0) * 1000)
        out[name] = {
            "bytes": len(blob),
            "digit": answer.get_json()["digit"],
            **{k: round(statistics.median(v), 3) for k, v in stages.items()},
        }
    return out


def in_child(fn, *args):
    """fn(*args) in a fresh process, so this one never maps the server's libraries (PSS would share them)."""
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(fn, args)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=argtypes.SECONDS, default=6.0, help="seconds per route and kind (default: 6)")
    p.add_argument("--kinds", help="comma-separated subset of the kinds (default: all)")
    p.add_argument(
        "--client",
        choices=["python", "wrk"],
        default="python",
        help="load generator: harness.loadgen (default; the goals are judged on it) or wrk",
    )
    args = p.parse_args(argv)
    client = wrk.CLIENT if args.client == "wrk" else loadgen.PYTHON
    chosen = args.kinds.split(",") if args.kinds else KINDS
    unknown = [k for k in chosen if k not in KINDS]
    if unknown:  # before any canvas is drawn
        p.error(f"argument --kinds: no kind {', '.join(map(repr, unknown))}; the kinds are {','.join(KINDS)}")
    drawn = kinds()
    images = {k: drawn[k] for k in chosen}
    result: dict = {"stages_ms": in_child(stage_times, images), "load": {}}
    for name, st in result["stages_ms"].items():
        print(
            f"{name:>13} {st['bytes']:>6} B: ink {st['ink']:.3f}  recipe {st['recipe']:.3f}  (prepare "
            f"{st['prepare']:.3f})  forward {st['forward']:.3f}  flask {st['flask_total']:.3f} ms -> {st['digit']}"
        )
    with Server(env={"DEVICE": "cpu"}, workers=2) as server:
        for blob in images.values():  # warm both workers on every kind
            loadgen.run(server.url + "/predict", body=blob, concurrency=2, total=20)
        for name, blob in images.items():
            empty, pred = loadgen.alternating(server.url, blob, 4, args.seconds, cpu=server.cpu_seconds, client=client)
            ratio = round(pred["requests_per_s"] / empty["requests_per_s"], 3)
            result["load"][name] = {"health": empty, "predict": pred, "ratio": ratio}
            print(
                f"{name:>13} c=4: /health {empty['requests_per_s']:>7} req/s | /predict {pred['requests_per_s']:>7} "
                f"req/s p50 {pred['p50_ms']} p99 {pred['p99_ms']} ms, {pred['failed']} failed | ratio {ratio} | "
                f"server CPU a request: /health {empty['server_cpu_ms']} ms, /predict {pred['server_cpu_ms']} ms"
            )
        result["memory"] = server.memory()
    worst = {
        "ratio": min(r["ratio"] for r in result["load"].values()),
        "p99_ms": max(r["predict"]["p99_ms"] for r in result["load"].values()),
        "prepare_ms": max(s["prepare"] for s in result["stages_ms"].values()),
        "pss_mb": result["memory"]["pss_total_mb"],
    }
    result.update(worst=worst, goals=GOALS)
    result["met"] = {k: worst[k] >= GOALS[k] if k == "ratio" else worst[k] <= GOALS[k] for k in GOALS}
    print(f"worst kind: {worst}; PSS master + 2 workers {worst['pss_mb']} MB\ngoals met: {result['met']}")
    result["client"] = args.client
    write_result("serve" if args.client == "python" else "serve-wrk", result)
    return result


if __name__ == "__main__":
    main()
