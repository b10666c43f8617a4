"""Train every reference network from the CLI with its tutorial's budget, and record what it reaches.

    .venv/bin/python -m bench.reference [--epochs-scale 1.0]

S1 mlp (3 epochs), S3 lenet5 (5), S0 s0-cnn (5), S4 fashion-cnn (6, Fashion-MNIST), without
augmentation or extra data, in fp32, like the tutorials. S2 cifar-cnn needs a user-supplied CIFAR-10 and is run only
when data/cifar-10-batches-py exists. Writes bench/results/reference.json.
"""

from __future__ import annotations

import argparse
import shlex
import time
from pathlib import Path

from harness import ROOT, write_result
from models import argtypes, data, train

RUNS = [  # (system, arch, dataset, tutorial epochs)
    ("S1", "mlp", "mnist", 3),
    ("S3", "lenet5", "mnist", 5),
    ("S0", "s0-cnn", "mnist", 5),
    ("S4", "fashion-cnn", "fashion-mnist", 6),
    ("S2", "cifar-cnn", "cifar10", 10),
]


def main(argv: list[str] | None = None) -> list[dict]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--epochs-scale",
        type=argtypes.POSITIVE,
        default=1.0,
        help="multiply every tutorial budget (default: 1)",
    )
    p.add_argument("--out-dir", type=Path, default=ROOT / "runs" / "reference", help="checkpoints and reports")
    args = p.parse_args(argv)
    rows = []
    for system, arch, dataset, epochs in RUNS:
        if dataset == "cifar10" and not data.is_present("cifar10"):
            print(f"{system} {arch}: skipped, no data/{data.CIFAR_DIR} (CIFAR-10 has no offline source)")
            continue
        n = max(1, round(epochs * args.epochs_scale))
        cmd = shlex.split(
            f"--dataset {dataset} --arch {arch} --epochs {n} --augment none --extras none "
            f"--label-smoothing 0 --precision fp32 --out {args.out_dir / (arch + '.pt')} --runs-dir {args.out_dir}"
        )
        t0 = time.perf_counter()
        card = train.main(cmd)
        rows.append(
            {
                "system": system,
                "arch": arch,
                "dataset": dataset,
                "epochs": n,
                "test_accuracy": round(card["metrics"]["test_accuracy"], 4),
                "parameters": card["parameters"],
                "seconds": round(time.perf_counter() - t0, 1),
                "command": card["command"],
            }
        )
    write_result("reference", rows)
    for r in rows:
        print(
            f"{r['system']} {r['arch']:<12} {r['dataset']:<14} {r['epochs']:>2} epochs  "
            f"test accuracy {r['test_accuracy']:.4f}  {r['parameters']:>8} params  {r['seconds']:>6.1f}s"
        )
    return rows


if __name__ == "__main__":
    main()
