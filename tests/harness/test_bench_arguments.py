"""Each bench command refuses a value out of its range in one line naming the flag, before it starts a server,
a browser or a training run, and writes no result file (bench/results/ keeps what was measured)."""

from __future__ import annotations

import importlib

import pytest

from harness import ROOT

BAD = [
    ("load", ["--seconds", "0"]),
    ("load", ["--concurrency", "0"]),
    ("serve", ["--seconds", "nan"]),
    ("serve", ["--kinds", "chromium-400,nope"]),
    ("slow_clients", ["--clients", "0"]),
    ("slow_clients", ["--env", "GUNICORN_THREADS"]),
    ("feedback", ["--loop-held-out", "-1"]),
    ("numbers", ["--count", "0"]),
    ("numbers", ["--turn", "200"]),
    ("pen", ["--seed", "-1"]),
    ("pen", ["no-such-checkpoint.pt"]),
    ("pen", ["README.md"]),
    ("canvas_accuracy", ["--count", "0"]),
    ("explain", ["--latency", "0"]),
    ("page", ["--loads", "0"]),
    ("decoders", ["--runs", "0"]),
    ("train_speed", ["--target", "2"]),
    ("deploy", ["--boots", "0"]),
    ("reference", ["--epochs-scale", "0"]),
    ("gpu", ["--seed", "x"]),
]


@pytest.mark.parametrize("bench, args", BAD, ids=[f"{b} {' '.join(a)}" for b, a in BAD])
def test_a_bench_refuses_a_value_out_of_its_range_before_any_work(bench, args, capsys):
    results = {p: p.stat().st_mtime_ns for p in (ROOT / "bench" / "results").iterdir()}
    with pytest.raises(SystemExit) as stop:
        importlib.import_module(f"bench.{bench}").main(args)
    err = capsys.readouterr().err
    assert stop.value.code == 2 and "error: argument " in err and "Traceback" not in err
    assert {p: p.stat().st_mtime_ns for p in (ROOT / "bench" / "results").iterdir()} == results


def test_the_deploy_bench_says_in_one_line_that_a_ref_is_not_one(capsys):
    from bench import deploy

    with pytest.raises(SystemExit, match="^error: git archive no-such-ref: ") as stop:
        deploy.main(["--ref", "no-such-ref"])
    assert "\n" not in str(stop.value)
