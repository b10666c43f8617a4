"""Serving benchmark against the real gunicorn (Procfile) on 127.0.0.1, in one run.

    .venv/bin/python -m bench.serve [--seconds 10]

1. Where one request's time goes, in process: PNG alpha -> ink map, MNIST recipe, forward, whole request.
2. /predict with a 400x400 canvas PNG made by real Chromium (--canvas 280: what the page sends) vs the empty route
   (/health): requests/s, p50/p99, at concurrency 4 and 32, against 2 sync workers.
3. Memory: RSS and PSS of master + workers, against a bare `import torch` process.
Writes bench/results/serve.json. The load generator runs on the same 2 cores as the server, so its
own cost per request is in every figure; where wrk is installed, the same routes are measured with
it too (the goals are judged on the Python generator's figures; wrk's are reported beside them).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import time
from pathlib import Path

from harness import RESULTS, ROOT, loadgen
from harness.browser import chromium_canvas
from harness.images import SEVEN
from harness.server import Server

GOALS = {"predict_vs_empty": 0.30, "p99_ms_c4": 8.0, "memory_vs_bare_torch": 1.25}


def stage_times(canvas: bytes, runs: int = 300) -> dict:
    """Median milliseconds of each stage of one /predict, in this process (1 thread, like a worker),
    and the engine that ran the network."""
    from backend import preprocess
    from backend.app import create_app
    from models import runtime

    app = create_app({"torch_threads": 1})
    predictor = app.extensions["predictors"]["mnist"]
    client = app.test_client()
    names = ("alpha_ink", "full_decode_ink", "recipe", "forward", "flask_total")
    stages: dict[str, list[float]] = {k: [] for k in names}
    for _ in range(runs):
        t0 = time.perf_counter()
        ink = preprocess.ink_of(canvas, 4096 * 4096)  # what /predict does: the alpha channel alone
        t1 = time.perf_counter()
        preprocess.ink_map(preprocess.decode(canvas, 4096 * 4096))  # for comparison: every channel
        t2 = time.perf_counter()
        field = preprocess.mnist_digit(ink)
        t3 = time.perf_counter()
        predictor.predict(runtime.normalise(field[None, None], predictor.card["mean"], predictor.card["std"]))
        t4 = time.perf_counter()
        client.post("/predict", data=canvas, content_type="image/png")
        t5 = time.perf_counter()
        for key, dt in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True):
            stages[key].append(dt * 1000)
    return {"engine": predictor.engine.name, **{k: round(statistics.median(v), 3) for k, v in stages.items()}}


def in_child(fn, *args):
    """fn(*args) in a fresh process. This one must never load torch or the models: a process mapping
    the same libraries takes its share of their pages, and the server's summed PSS would look smaller."""
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(fn, args)


def wrk(url: str, canvas: bytes | None, concurrency: int, seconds: float) -> dict | None:
    """The same measurement by wrk (a C client, far cheaper per request than our Python threads),
    when it is installed (Debian: apt-get install wrk). None without it."""
    import re
    import shutil
    import tempfile

    if not shutil.which("wrk"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        extra = []
        if canvas is not None:
            (Path(tmp) / "canvas.png").write_bytes(canvas)
            script = Path(tmp) / "post.lua"
            script.write_text(f'local f = io.open("{tmp}/canvas.png", "rb"); wrk.body = f:read("*all"); f:close()\n'
                              'wrk.method = "POST"; wrk.headers["Content-Type"] = "image/png"\n')  # fmt: skip
            extra = ["-s", str(script)]
        threads = str(min(concurrency, 4))
        out = subprocess.run(["wrk", "-t", threads, "-c", str(concurrency), "-d", f"{max(1, round(seconds))}s", "--latency", *extra, url],
                             capture_output=True, text=True, check=True).stdout  # fmt: skip
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}

    def ms(q: str) -> float:
        value, suffix = re.search(rf"^\s*{q}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return round(float(value) * unit[suffix], 2)

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "requests_per_s": rps,
        "p50_ms": ms("50"),
        "p99_ms": ms("99"),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def bare_torch_rss_mb() -> float:
    code = "import torch, psutil; print(psutil.Process().memory_info().rss)"
    out = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-c", code], capture_output=True, text=True, check=True
    )
    return round(int(out.stdout) / 1024 / 1024, 1)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=10.0, help="seconds per load measurement (default: 10)")
    p.add_argument("--canvas", type=int, default=400, help="canvas side in px (default: 400; the page sends 280)")
    args = p.parse_args(argv)
    k = args.canvas / 400
    # The PNG real Chromium makes (Debian's /usr/bin/chromium, as in the browser tests): filters and zlib level matter.
    canvas = chromium_canvas([(round(x * k), round(y * k)) for x, y in SEVEN], round(24 * k), args.canvas)
    result: dict = {
        "canvas_px": args.canvas,
        "canvas_png": "a 7 drawn by Chromium's canvas.toBlob()",
        "canvas_png_bytes": len(canvas),
        "stages_ms": in_child(stage_times, canvas),
    }
    print("stage medians (ms):", result["stages_ms"])
    with Server(workers=2) as server:
        for _ in range(50):  # warm both workers
            loadgen.run(server.url + "/predict", body=canvas, concurrency=2, total=2)
        result["memory_idle"] = server.memory()
        for c in (4, 32):
            empty, pred = loadgen.alternating(server.url, canvas, c, args.seconds)
            result[f"c{c}"] = {
                "empty": empty,
                "predict": pred,
                "ratio": round(pred["requests_per_s"] / empty["requests_per_s"], 3),
            }
            print(f"c={c}: /health {empty['requests_per_s']} req/s p50 {empty['p50_ms']} p99 {empty['p99_ms']} ms | "
                  f"/predict {pred['requests_per_s']} req/s p50 {pred['p50_ms']} p99 {pred['p99_ms']} ms "
                  f"| ratio {result[f'c{c}']['ratio']}")  # fmt: skip
            by_wrk = [wrk(server.url + "/health", None, c, args.seconds / 2),
                      wrk(server.url + "/predict", canvas, c, args.seconds / 2)]  # fmt: skip
            if by_wrk[0]:
                result[f"c{c}"]["wrk"] = {"empty": by_wrk[0], "predict": by_wrk[1],
                                          "ratio": round(by_wrk[1]["requests_per_s"] / by_wrk[0]["requests_per_s"], 3)}  # fmt: skip
                print(f"   wrk: /health {by_wrk[0]['requests_per_s']} req/s p99 {by_wrk[0]['p99_ms']} ms | /predict "
                      f"{by_wrk[1]['requests_per_s']} req/s p50 {by_wrk[1]['p50_ms']} p99 {by_wrk[1]['p99_ms']} ms "
                      f"| ratio {result[f'c{c}']['wrk']['ratio']}")  # fmt: skip
        result["memory_after_load"] = server.memory()
    result["bare_import_torch_rss_mb"] = bare_torch_rss_mb()
    mem = result["memory_after_load"]
    result["memory_vs_bare_torch"] = round(mem["pss_total_mb"] / result["bare_import_torch_rss_mb"], 3)
    print(f"memory: master+workers PSS {mem['pss_total_mb']} MB (RSS {mem['rss_total_mb']} MB summed) vs bare import "
          f"torch RSS {result['bare_import_torch_rss_mb']} MB -> {result['memory_vs_bare_torch']}x")  # fmt: skip
    result["goals"] = GOALS
    result["met"] = {
        "predict_vs_empty": min(result["c4"]["ratio"], result["c32"]["ratio"]) >= GOALS["predict_vs_empty"],
        "p99_ms_c4": result["c4"]["predict"]["p99_ms"] <= GOALS["p99_ms_c4"],
        "memory_vs_bare_torch": result["memory_vs_bare_torch"] <= GOALS["memory_vs_bare_torch"],
    }
    result["when"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / ("serve.json" if args.canvas == 400 else f"serve-{args.canvas}px.json")
    out.write_text(json.dumps(result, indent=2) + "\n")
    print("goals met:", result["met"])
    print(f"results: {out}")
    return result


if __name__ == "__main__":
    main()
