"""A Heroku-style deploy of the committed tree, measured against a 512 MB dyno's limits.

    .venv/bin/python -m bench.deploy [--ref HEAD] [--seconds 10] [--boots 3]

Builds REF as harness/heroku.py describes (the declared buildpacks, requirements.txt in a fresh
environment, no Node at run time), then measures: the slug, compressed (the build with its Python
environment and the Python runtime); boot time from starting the Procfile's web command with
WEB_CONCURRENCY=2 to the first 200 from /ready; the summed PSS of master + 2 workers after 1,000
/predict; /predict vs /health requests/s at concurrency 4 (alternating slices). Writes
bench/results/deploy.json.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from harness import heroku, loadgen, write_result
from harness.images import SEVEN, stroke_canvas
from harness.server import Server, mapped_files
from models import argtypes

GOALS = {"slug_mb": 200, "boot_s": 5.0, "pss_mb": 200}  # Heroku's own: 500 MB, 60 s, 512 MB
MB = 1024 * 1024


def dyno(build: heroku.Build) -> Server:
    server = Server(workers=2, app_dir=build.app_dir, bin_dir=build.bin_dir)
    server.env = build.dyno_env(PORT=str(server.port), WEB_CONCURRENCY="2")
    return server


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ref", default="HEAD", help="git ref to build (default: HEAD)")
    p.add_argument("--seconds", type=argtypes.SECONDS, default=10.0, help="seconds per speed measurement (default: 10)")
    p.add_argument("--boots", type=argtypes.COUNT, default=3, help="cold starts to time (default: 3)")
    args = p.parse_args(argv)
    canvas = stroke_canvas(SEVEN)
    result: dict = {"ref": args.ref}
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.monotonic()
        try:
            build = heroku.build(Path(tmp), args.ref)
        except heroku.BuildFailed as exc:
            raise SystemExit(f"error: {exc}") from None
        result["build_s"] = round(time.monotonic() - t0, 1)
        slug = heroku.slug_bytes(build)
        result["slug_mb"] = round(slug["compressed"] / MB, 1)
        result["slug_uncompressed_mb"] = round(slug["uncompressed"] / MB, 1)
        print(
            f"build {result['build_s']} s; slug {result['slug_mb']} MB compressed ({result['slug_uncompressed_mb']} MB)"
        )
        boots = []
        for _ in range(args.boots):
            with dyno(build) as server:
                boots.append((server.first_ready_after, server.ready_after))
        result["boot_s"] = round(statistics.median(b[0] for b in boots), 2)
        result["boot_all_workers_s"] = round(statistics.median(b[1] for b in boots), 2)
        print(f"boot to first /ready: {result['boot_s']} s (every worker forked: {result['boot_all_workers_s']} s)")
        with dyno(build) as server:
            warm = loadgen.run(server.url + "/predict", body=canvas, concurrency=4, total=1000)
            result["requests_before_memory"] = warm.ok
            result["memory"] = server.memory()
            result["pss_mb"] = result["memory"]["pss_total_mb"]
            result["torch_mapped"] = any("torch" in path for pid in server.pids() for path in mapped_files(pid))
            print(
                f"after {warm.ok} /predict: PSS {result['pss_mb']} MB (master + 2 workers), torch loaded: "
                f"{result['torch_mapped']}"
            )
            empty, pred = loadgen.alternating(server.url, canvas, 4, args.seconds)
            result["c4"] = {
                "health": empty,
                "predict": pred,
                "ratio": round(pred["requests_per_s"] / empty["requests_per_s"], 3),
            }
            print(
                f"c=4: /health {empty['requests_per_s']} req/s | /predict {pred['requests_per_s']} req/s "
                f"p50 {pred['p50_ms']} p99 {pred['p99_ms']} ms | ratio {result['c4']['ratio']}"
            )
    result["goals"] = GOALS
    result["met"] = {key: result[key] <= goal for key, goal in GOALS.items()}
    print("goals met:", result["met"])
    write_result("deploy", result)
    return result


if __name__ == "__main__":
    main()
