"""Whole numbers read through the real server: drawn numbers of 1-6 MNIST test digits posted to /predict/number.

    .venv/bin/python -m bench.numbers [--count 600] [--seed 12 99 7] [--singles 1000] [--pen 0.15 0.25] [--turn 20]

The numbers (harness/numbers.py) are drawn in real Chromium with a pen: uneven sizes, a wandering
baseline, some with a digit drawn with the pen lifted, some with two neighbours touching; in the
three encodings. Posted to the Procfile's gunicorn (2 workers, 127.0.0.1). Reports whole-number
accuracy overall and by subset (plain, pen-lifted, touching) and length, where the pen-lifted numbers go
wrong (the lifted digit, another digit, or the count), per-digit accuracy, digits/s
and latency (p50 of 6-digit canvases, one request at a time); and, on single-digit canvases, how
often /predict/number gives the same answer as /predict. Each seed (`--seed`, three by default) draws
`--count` numbers and `--singles` digits, pooled, with each seed's whole-number accuracy beside: one seed's
600 numbers move by a point or two from seed to seed. The pen's width is a share of the line's height,
drawn from `--pen` (0.05-0.15 by default); `--pen 0.15 0.25` draws with a thick pen, as a small number on
the page's pad comes out. `--turn 20` turns each number's canvas 20 degrees, uphill and downhill in turn (the
single digits stay as drawn). Writes bench/results/numbers.json (numbers-pen-LOW-HIGH.json for another pen,
numbers[-pen-LOW-HIGH]-turn-DEG.json turned).
"""

from __future__ import annotations

import argparse
import difflib
import json
import statistics
from dataclasses import replace

import numpy as np

from harness import numbers, pen, write_result
from harness.browser import chromium
from harness.images import turned
from harness.server import Server, post_png
from models import argtypes
from models.numbers import PEN
from models.pen import pen_option

WRONG_FIELDS = ("seed", "text", "said", "lifted_at", "touching")  # what numbers.json keeps of a number read wrong
GOALS = {"whole": 0.97, "lifted": 0.97, "touching": 0.90, "single_agreement": 0.995, "p50_ms_6_digits": 20.0}


def digit_hits(truth: str, said: str) -> int:
    """Digits read right, matched in order (a split or merged digit costs only its neighbours)."""
    return sum(block.size for block in difflib.SequenceMatcher(None, truth, said).get_matching_blocks())


def lifted_misses(rows: list[dict]) -> dict:
    """Where the numbers with a pen-lifted digit go wrong: how many were read with a digit too many or too few,
    how many misread the lifted digit itself, how many only other digits; and, over those read with the right
    count, the share of lifted digits read right against that of the other digits."""
    misses = {"count": 0, "lifted_digit": 0, "other_digits_only": 0}
    right = {"lifted": [], "other": []}
    for r in rows:
        if r["lifted_at"] is None:
            continue
        if len(r["said"]) != len(r["text"]):
            misses["count"] += 1
            continue
        hits = [a == b for a, b in zip(r["text"], r["said"], strict=True)]
        right["lifted"].append(hits.pop(r["lifted_at"]))
        right["other"] += hits
        if not r["ok"]:
            misses["lifted_digit" if not right["lifted"][-1] else "other_digits_only"] += 1
    shares = {f"{k}_digit_accuracy": round(float(np.mean(v)), 4) if v else None for k, v in right.items()}
    return {"misses": misses, **shares}


def subset_accuracy(rows: list[dict], keep) -> dict:
    chosen = [r for r in rows if keep(r)]
    return {"n": len(chosen), "accuracy": round(float(np.mean([r["ok"] for r in chosen])), 4) if chosen else None}


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--count", type=argtypes.COUNT, default=600, help="drawn numbers (default: 600)")
    p.add_argument(
        "--seed",
        type=argtypes.SEED,
        nargs="+",
        default=[12, 99, 7],
        help="seeds of the drawings, pooled (default: 12 99 7)",
    )
    p.add_argument(
        "--singles", type=argtypes.COUNT, default=1000, help="single-digit canvases a seed for /predict agreement"
    )
    pen_option(p, PEN, "the line's height")
    p.add_argument(
        "--turn",
        type=argtypes.DEGREES,
        default=0.0,
        metavar="DEG",
        help="turn each number's canvas this many degrees, uphill and downhill in turn (default: 0)",
    )
    args = p.parse_args(argv)
    with chromium() as browser:
        drawn = [
            (seed, item) for seed in args.seed for item in numbers.items(browser, args.count, seed, pen_range=args.pen)
        ]
        if args.turn:  # a line written uphill or downhill
            drawn = [
                (seed, replace(item, data=turned(item.data, args.turn if k % 2 else -args.turn)))
                for k, (seed, item) in enumerate(drawn)
            ]
        singles = [
            i for seed in args.seed for i in pen.items(browser, args.singles, 0, 0, seed=seed + 1) if i.kind == "pen"
        ]
    rows, agree = [], 0
    with Server(env={"DEVICE": "cpu"}) as server:
        for seed, item in drawn:
            answer, ms = post_png(server.url, item.data, "/predict/number")
            said = answer.get("number", "")
            rows.append(
                {
                    "seed": seed,
                    "text": item.text,
                    "said": said,
                    "ok": said == item.text,
                    "ms": ms,
                    "lifted_at": item.lifted_at,
                    "touching": item.touching,
                    "encoding": item.encoding,
                    "digits": len(item.text),
                    "digit_hits": digit_hits(item.text, said),
                }
            )
        for item in singles:
            one, _ = post_png(server.url, item.data, "/predict")
            many, _ = post_png(server.url, item.data, "/predict/number")
            agree += many.get("number") == str(one["digit"])
    six = [r["ms"] for r in rows if r["digits"] == 6]
    total_digits = sum(r["digits"] for r in rows)
    result = {
        "n": len(rows),
        "whole": subset_accuracy(rows, lambda r: True),
        "plain": subset_accuracy(rows, lambda r: r["lifted_at"] is None and not r["touching"]),
        "lifted": subset_accuracy(rows, lambda r: r["lifted_at"] is not None),
        "lifted_misses": lifted_misses(rows),
        "touching": subset_accuracy(rows, lambda r: r["touching"]),
        "by_length": {n: subset_accuracy(rows, lambda r, n=n: r["digits"] == n) for n in range(1, 7)},
        "by_encoding": {e: subset_accuracy(rows, lambda r, e=e: r["encoding"] == e) for e in numbers.ENCODINGS},
        "by_seed": {s: subset_accuracy(rows, lambda r, s=s: r["seed"] == s) for s in args.seed},
        "per_digit": round(sum(r["digit_hits"] for r in rows) / total_digits, 4),
        "digits_per_s": round(total_digits / (sum(r["ms"] for r in rows) / 1000), 1),
        "p50_ms_6_digits": round(statistics.median(six), 2) if six else None,
        "p50_ms_all": round(statistics.median(r["ms"] for r in rows), 2),
        "single_agreement": round(agree / max(1, len(singles)), 4),
        "singles": len(singles),
        "wrong": [{k: r[k] for k in WRONG_FIELDS} for r in rows if not r["ok"]][:50],
    }
    result["met"] = {
        "whole": result["whole"]["accuracy"] >= GOALS["whole"],
        "lifted": (result["lifted"]["accuracy"] or 0) >= GOALS["lifted"],
        "touching": (result["touching"]["accuracy"] or 0) >= GOALS["touching"],
        "single_agreement": result["single_agreement"] >= GOALS["single_agreement"],
        "p50_ms_6_digits": (result["p50_ms_6_digits"] or 0) <= GOALS["p50_ms_6_digits"],
    }
    result.update(goals=GOALS, settings=vars(args))
    print(json.dumps({k: v for k, v in result.items() if k not in ("wrong", "by_length", "by_encoding")}, indent=1))
    print("by length:", {n: v["accuracy"] for n, v in result["by_length"].items()})
    print("by seed:", {s: v["accuracy"] for s, v in result["by_seed"].items()})
    name = "numbers" + ("" if args.pen == PEN else "-pen-{}-{}".format(*args.pen))
    write_result(name + (f"-turn-{args.turn:g}" if args.turn else ""), result)
    return result


if __name__ == "__main__":
    main()
