"""Corrections under load, under faults, shared between servers, and the learning loop they feed.

    .venv/bin/python -m bench.feedback [--seconds 60] [--concurrency 32] [--loop-corrections 600]

(a) --seconds at --concurrency of mixed /predict and POST /feedback through the Procfile's gunicorn
    (2 workers), on SQLite and on PostgreSQL: no errors, and exactly as many rows as 201 answers.
(b) SIGKILL of the master mid-load, then a restart on the same database: every correction that was
    acknowledged (201) is there, on SQLite and on PostgreSQL.
(c) two servers on one PostgreSQL: what either stores, both count.
(d) the learning loop: people draw digits in a handwriting the model reads worst (the held-out font
    that fails most often), correct it through POST /feedback when it is wrong, the corrections are
    exported and `models.train --finetune` runs; error on other drawings of that kind, and MNIST test
    accuracy, before and after.
Writes bench/results/feedback.json. Talks only to servers it starts on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import requests

from harness import MNIST_CKPT, ROOT, loadgen, write_result
from harness.images import SEVEN, png, render, stroke_canvas
from harness.postgres import Postgres
from harness.server import Server
from models import argtypes, evaluate, fonts, pen

ADMIN = "bench-admin-token-0123456789"
OPEN_LIMITS = {"FEEDBACK_RATE_LIMIT": "1000000/minute", "ADMIN_TOKEN": ADMIN, "DEVICE": "cpu"}


def server_on(database: str, **env: str) -> Server:
    return Server(env={**OPEN_LIMITS, "DATABASE_URL": database, **env})


def count(server: Server) -> int:
    return requests.get(server.url + "/feedback/stats", timeout=10).json()["total"]


def mixed_load(database: str, seconds: float, concurrency: int) -> dict:
    """/predict and /feedback side by side; the rows written must be exactly the 201 answers."""
    canvas = stroke_canvas(SEVEN)
    with server_on(database) as server:
        before = count(server)
        results = {}
        threads = [
            threading.Thread(
                target=lambda: results.setdefault(
                    "predict",
                    loadgen.run(server.url + "/predict", body=canvas, concurrency=concurrency // 2, duration=seconds),
                )
            ),
            threading.Thread(
                target=lambda: results.setdefault(
                    "feedback",
                    loadgen.run(
                        server.url + "/feedback?label=1",
                        body=canvas,
                        concurrency=concurrency - concurrency // 2,
                        duration=seconds,
                    ),
                )
            ),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        created = sum(1 for o in results["feedback"].outcomes if o.status == 201)
        rows = count(server) - before
    summary = {k: v.summary() for k, v in results.items()}
    return {
        "predict": summary["predict"],
        "feedback": summary["feedback"],
        "acknowledged": created,
        "rows": rows,
        "errors": summary["predict"]["failed"] + summary["feedback"]["failed"],
        "lost": created - rows,
    }


def kill_and_restart(database: str, seconds: float = 6.0, concurrency: int = 8) -> dict:
    """SIGKILL the master while corrections stream in; after a restart every acknowledged id is there."""
    canvas = stroke_canvas(SEVEN)
    acknowledged, stop, lock = [], threading.Event(), threading.Lock()
    server = server_on(database).start()

    def client() -> None:
        session = requests.Session()
        while not stop.is_set():
            try:
                r = session.post(
                    server.url + "/feedback?label=2", data=canvas, headers={"Content-Type": "image/png"}, timeout=5
                )
            except requests.RequestException:
                time.sleep(0.05)
                continue
            if r.status_code == 201:
                with lock:
                    acknowledged.append(r.json()["id"])

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for t in threads:
        t.start()
    time.sleep(seconds / 2)
    os.kill(server.proc.pid, signal.SIGKILL)
    server.proc.wait()
    time.sleep(1.0)  # the orphaned workers notice their master is gone and exit
    stop.set()
    for t in threads:
        t.join()
    with server_on(database) as again:
        exported = requests.get(
            again.url + "/feedback/export", headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30
        )
        path = Path(tempfile.mkstemp(suffix=".npz")[1])
        path.write_bytes(exported.content)
        with np.load(path) as saved:
            stored = set(saved["id"].tolist())
        path.unlink()
    missing = sorted(set(acknowledged) - stored)
    return {"acknowledged": len(acknowledged), "missing_after_restart": len(missing)}


def shared(database: str) -> dict:
    """Two servers on one database: 50 corrections to each; both count all of them."""
    canvas = stroke_canvas(SEVEN)
    with server_on(database) as a, server_on(database) as b:
        before = count(a)
        for server in (a, b):
            loadgen.run(server.url + "/feedback?label=3", body=canvas, concurrency=4, total=50)
        return {"stored_through_a_and_b": 100, "counted_by_a": count(a) - before, "counted_by_b": count(b) - before}


def font_drawings(font: Path, n: int, seed: int) -> list[tuple[bytes, int]]:
    """`n` digits in `font` at random poses, in the three encodings, as the page or a script would send them."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        pose = pen.random_pose(rng, int(rng.choice([280, 400])), angle=10)
        ink = pen.glyph(font, k % 10, pose).astype(np.float32) / 255
        out.append((png(render(ink, ("transparent", "white", "black")[k % 3])), k % 10))
    return out


def error_rate(client, drawings: list[tuple[bytes, int]]) -> float:
    said = [client.post("/predict", data=d, content_type="image/png").get_json()["digit"] for d, _ in drawings]
    return float(np.mean([s != label for s, (_, label) in zip(said, drawings, strict=True)]))


def learning_loop(corrections: int, held_out: int, workdir: Path) -> dict:
    """Corrections through the API on the kind the shipped model reads worst; fine-tune; measure before/after."""
    from backend.app import create_app

    loop_db = f"sqlite:///{workdir / 'loop.db'}"  # the corrections of many people, hence no per-client limit
    shipped = create_app(
        {"device": "cpu", "database_url": loop_db, "feedback_rate_limit": "1000000/minute"}
    ).test_client()
    faces = fonts.fetch()["bench"]
    worst = max(faces, key=lambda f: error_rate(shipped, font_drawings(f, 100, seed=7)))
    wrong_before = 0
    for image, label in font_drawings(worst, corrections, seed=1):
        if shipped.post("/predict", data=image, content_type="image/png").get_json()["digit"] != label:
            wrong_before += 1  # a person who sees a wrong answer taps the right digit
            assert shipped.post(f"/feedback?label={label}", data=image, content_type="image/png").status_code == 201
    export = workdir / "corrections.npz"
    subprocess.run(
        [sys.executable, "-m", "models.feedback", "export", "--database", loop_db, "--out", str(export)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    tuned = workdir / "tuned.pt"
    t0 = time.perf_counter()
    log = subprocess.run(
        [
            sys.executable,
            "-m",
            "models.train",
            "--finetune",
            str(MNIST_CKPT),
            "--extra",
            str(export),
            "--epochs",
            "2",
            "--lr",
            "5e-4",
            "--out",
            str(tuned),
            "--runs-dir",
            str(workdir / "runs"),
            "--no-report",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    minutes = (time.perf_counter() - t0) / 60
    after = create_app({"device": "cpu", "models": {"mnist": tuned}, "database_url": f"sqlite:///{workdir / 'x.db'}"})
    held = font_drawings(worst, held_out, seed=2)  # other drawings of the same kind, never corrected
    before_error, after_error = error_rate(shipped, held), error_rate(after.test_client(), held)
    mnist_before = evaluate.evaluate_checkpoint(MNIST_CKPT)["test_accuracy"]
    mnist_after = evaluate.evaluate_checkpoint(tuned)["test_accuracy"]
    return {
        "kind": f"digits in the {worst.stem} font (held out of training)",
        "drawings_seen": corrections,
        "corrections_stored": wrong_before,
        "finetune_minutes": round(minutes, 1),
        "held_out": held_out,
        "held_out_error_before": round(before_error, 4),
        "held_out_error_after": round(after_error, 4),
        "relative_error_cut": round(1 - after_error / before_error, 3) if before_error else None,
        "mnist_test_before": round(mnist_before, 4),
        "mnist_test_after": round(mnist_after, 4),
        "finetune_log_tail": log.stdout.strip().splitlines()[-6:],
    }


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--seconds", type=argtypes.SECONDS, default=60.0, help="mixed load duration per database (default: 60)"
    )
    p.add_argument("--concurrency", type=argtypes.COUNT, default=32, help="concurrent clients (default: 32)")
    p.add_argument(
        "--loop-corrections", type=argtypes.COUNT, default=600, help="drawings people see in the loop (default: 600)"
    )
    p.add_argument(
        "--loop-held-out", type=argtypes.COUNT, default=600, help="drawings to measure the loop on (default: 600)"
    )
    args = p.parse_args(argv)
    result: dict = {"settings": vars(args)}
    with tempfile.TemporaryDirectory() as tmp, Postgres() as pg:
        databases = {"sqlite": f"sqlite:///{tmp}/load.db", "postgresql": pg.url}
        for name, url in databases.items():
            result[f"load_{name}"] = mixed_load(url, args.seconds, args.concurrency)
            print(f"(a) {name}: {json.dumps(result[f'load_{name}'])}", flush=True)
            result[f"kill_{name}"] = kill_and_restart(url)
            print(f"(b) {name}: {json.dumps(result[f'kill_{name}'])}", flush=True)
        result["shared_postgresql"] = shared(pg.url)
        print(f"(c) {json.dumps(result['shared_postgresql'])}", flush=True)
        result["learning_loop"] = learning_loop(args.loop_corrections, args.loop_held_out, Path(tmp))
        print(f"(d) {json.dumps(result['learning_loop'], indent=1)}", flush=True)
    loop = result["learning_loop"]
    result["met"] = {
        "no_errors_under_load": all(result[f"load_{d}"]["errors"] == 0 for d in ("sqlite", "postgresql")),
        "nothing_lost": all(
            result[f"load_{d}"]["lost"] == 0 and result[f"kill_{d}"]["missing_after_restart"] == 0
            for d in ("sqlite", "postgresql")
        ),
        "shared": result["shared_postgresql"]["counted_by_a"] == result["shared_postgresql"]["counted_by_b"] == 100,
        "error_cut_30_percent": (loop["relative_error_cut"] or 0) >= 0.3,
        "mnist_within_0.05pp": loop["mnist_test_after"] >= loop["mnist_test_before"] - 0.0005,
    }
    print("goals met:", result["met"])
    write_result("feedback", result)
    return result


if __name__ == "__main__":
    main()
