"""Time to >= 99.0% MNIST test accuracy: the trainer's defaults against the seed systems' loop, in one run.

    .venv/bin/python -m bench.train_speed [--device cpu|cuda] [--target 0.99] [--precision auto|bf16|fp32] [--seeds 1 2 3]

Seed-style: torchvision MNIST + per-sample ToTensor/Normalize + DataLoader(batch 64, shuffle) + the S0
CNN + Adam(1e-3), as the tutorials write it. Ours: exactly what `python -m models.train --epochs 1`
runs -- its data (in memory as uint8 tensors, with the pen drawings, styles, fonts and pairs it adds),
augmentation, DigitNet, AdamW and one-cycle schedule, and its precision choice (auto: bfloat16 only
where the hardware runs it natively). Both are checked on the full test set every 3,200 images (a
coarser check would add up to a check's worth of images to each loop's time, a larger share of the
faster one's); the clock stops while checking, and ours starts when its training loop does.

When a loop first crosses the target depends on its seed as much as on its speed (on one CPU, ours crossed at
48,000-64,000 images with seeds 1-3, the seed loop at 150,400-220,832 with seeds 0-3), so each loop runs once
per seed (`--seeds`, the same for both: ours with `--seed`, the seed loop with `torch.manual_seed`) and the
speedup is the ratio of their median times. Writes bench/results/train_speed-<device>[-<precision>]
[-no-native-bf16][-isa-<isa>].json, naming the CPU's capability, and ends with `speedup (median time against
median time): N.Nx; by seed: ...`.

A CPU without native bfloat16 can be played by one that has it: `ONEDNN_MAX_CPU_ISA=AVX2
ATEN_CPU_CAPABILITY=avx2` keeps oneDNN's and PyTorch's kernels to AVX2 (bfloat16 is then emulated, and
`auto` picks fp32); the result records both variables under `isa_limits` and its name ends `-isa-avx2`.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time

import torch
import torch.nn.functional as F

from harness import write_result
from models import argtypes, data, nets, train
from models.device import describe
from models.evaluate import evaluate

MEAN, STD = [0.1307], [0.3081]
IMAGES_PER_CHECK = 3200
ISA_LIMITS = ("ONEDNN_MAX_CPU_ISA", "ATEN_CPU_CAPABILITY")  # environment variables that hold the kernels back


class Reached(Exception):
    """The target accuracy was reached: the race is over."""


class Race:
    """A stopwatch that runs only while training, with accuracy checks on the test set between."""

    def __init__(self, device: torch.device, target: float, test):
        self.device, self.target = device, target
        self.test_x, self.test_y = (t.to(device) for t in test)
        self.total, self.t0, self.seen, self.next_check, self.checks = 0.0, None, 0, IMAGES_PER_CHECK, []

    def _sync(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize()

    def start(self) -> None:
        self._sync()
        self.t0 = time.perf_counter()

    def stop(self) -> float:
        self._sync()
        self.total += time.perf_counter() - self.t0
        return self.total

    def images(self, model, seen: int) -> None:
        """After each step (`seen`: all images so far): check when due; raise Reached at the target."""
        self.seen = seen
        if seen < self.next_check:
            return
        self.next_check += IMAGES_PER_CHECK
        elapsed = self.stop()
        acc = evaluate(model, self.test_x, self.test_y, MEAN, STD)[1]
        model.train()
        self.checks.append({"images": seen, "seconds": round(elapsed, 2), "test_accuracy": acc})
        print(f"  {seen:>7} images  {elapsed:7.1f}s  test accuracy {acc:.4f}", flush=True)
        if acc >= self.target:
            raise Reached
        self.start()

    def result(self, reached: bool) -> dict:
        return {"reached": reached, "seconds": round(self.total, 2), "images": self.seen, "checks": self.checks}


def ours(device: torch.device, target: float, test, precision: str, seed: int) -> dict:
    """`python -m models.train --epochs 1` (and the race's device, precision and seed), timed by a Race."""
    race, done = Race(device, target, test), 0

    def on_step(model, seen_this_epoch: int) -> None:
        nonlocal done
        if seen_this_epoch == 0 and race.t0 is None:
            race.start()
            return
        race.images(model, done + seen_this_epoch)

    with tempfile.TemporaryDirectory() as tmp:
        try:
            train.main(
                [
                    "--epochs",
                    "1",
                    "--device",
                    device.type,
                    "--precision",
                    precision,
                    "--seed",
                    str(seed),
                    "--no-report",
                    "--out",
                    f"{tmp}/m.pt",
                    "--runs-dir",
                    tmp,
                ],
                on_step=on_step,
            )
        except Reached:
            return race.result(True)
    race.stop()
    return race.result(False)


def seed_style(device: torch.device, target: float, max_epochs: int, test, seed: int) -> dict:
    """The tutorials' loop, exactly as they write it (seeded with `seed`)."""
    from torch.utils.data import DataLoader
    from torchvision import datasets, transforms

    torch.manual_seed(seed)
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
    loader = DataLoader(
        datasets.MNIST(str(data.DEFAULT_ROOT), train=True, download=False, transform=tf), batch_size=64, shuffle=True
    )
    model = nets.build("s0-cnn").to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    race, seen = Race(device, target, test), 0
    race.start()
    try:
        for _ in range(max_epochs):
            for x, y in loader:
                model.train()
                loss = F.cross_entropy(model(x.to(device)), y.to(device))
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                seen += len(y)
                race.images(model, seen)
    except Reached:
        return race.result(True)
    race.stop()
    return race.result(False)


def medians(runs: list[dict]) -> dict:
    """One loop's runs (one per seed) and their median time; reached only if every run reached the target."""
    return {
        "reached": all(r["reached"] for r in runs),
        "seconds": round(statistics.median(r["seconds"] for r in runs), 2),
        "images": int(statistics.median(r["images"] for r in runs)),
        "runs": runs,
    }


def result_name(device: str, precision: str, native_bf16: bool, isa_limits: dict[str, str]) -> str:
    """train_speed-<device>[-<precision> unless auto][-no-native-bf16][-isa-<oneDNN's ISA> when held back]."""
    forced = "" if precision == "auto" else f"-{precision}"
    native = "" if native_bf16 else "-no-native-bf16"
    limited = f"-isa-{isa_limits['ONEDNN_MAX_CPU_ISA'].lower()}" if "ONEDNN_MAX_CPU_ISA" in isa_limits else ""
    return f"train_speed-{device}{forced}{native}{limited}"


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="cpu", help="cpu or cuda (default: cpu)")
    p.add_argument(
        "--target",
        type=argtypes.bounded(float, 0, 1, above=True),
        default=0.99,
        help="test accuracy to reach (default: 0.99)",
    )
    p.add_argument(
        "--precision", default="auto", choices=["auto", "bf16", "fp32"], help="ours (default: the trainer's)"
    )
    p.add_argument(
        "--seeds", type=argtypes.SEED, nargs="+", default=[1, 2, 3], help="one race per seed (default: 1 2 3)"
    )
    p.add_argument(
        "--seed-epochs", type=argtypes.COUNT, default=4, help="the seed-style loop gives up after this many epochs"
    )
    p.add_argument("--skip-seed", action="store_true", help="only time ours (e.g. on a GPU)")
    args = p.parse_args(argv)
    device = torch.device(args.device)
    test = data.load("mnist", train=False)
    bf16 = train.use_bf16(args.precision, device)
    loops = {"ours": [], "seed_style": []}
    for seed in args.seeds:
        print(
            f"seed {seed}, ours: python -m models.train --epochs 1 --seed {seed} "
            f"({'bf16 autocast' if bf16 else 'fp32'}) on {device}",
            flush=True,
        )
        loops["ours"].append({"seed": seed, **ours(device, args.target, test, args.precision, seed)})
        if not args.skip_seed:
            print(
                f"seed {seed}, seed-style: S0 CNN, DataLoader batch 64 with per-sample ToTensor/Normalize, Adam, "
                f"on {device}",
                flush=True,
            )
            loops["seed_style"].append({"seed": seed, **seed_style(device, args.target, args.seed_epochs, test, seed)})
    result = {name: medians(runs) for name, runs in loops.items() if runs}
    result.update(
        device=describe(device),
        cpu_capability=torch.backends.cpu.get_cpu_capability(),
        native_bf16=bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
        if device.type == "cpu"
        else torch.cuda.is_bf16_supported(),
        precision="bf16" if bf16 else "fp32",
        cpu_threads=torch.get_num_threads(),
        isa_limits={name: os.environ[name] for name in ISA_LIMITS if name in os.environ},
        target=args.target,
        images_per_check=IMAGES_PER_CHECK,
        torch=str(torch.__version__),
        python=platform.python_version(),
        settings=vars(args),
    )
    for name in (name for name in loops if name in result):
        r = result[name]
        for run in r["runs"]:
            print(
                f"{name}, seed {run['seed']}: {'reached' if run['reached'] else 'did NOT reach'} {args.target:.3f} "
                f"in {run['seconds']:.1f}s of training ({run['images']} images)"
            )
        print(f"{name}: median {r['seconds']:.1f}s ({r['images']} images)")
    if "seed_style" in result and result["ours"]["reached"]:
        result["speedup"] = round(result["seed_style"]["seconds"] / result["ours"]["seconds"], 2)
        result["speedup_by_seed"] = [
            round(s["seconds"] / o["seconds"], 2) for o, s in zip(loops["ours"], loops["seed_style"], strict=True)
        ]
    write_result(result_name(device.type, args.precision, result["native_bf16"], result["isa_limits"]), result)
    if "speedup" in result:
        lower = "" if result["seed_style"]["reached"] else " (at least: the seed-style loop did not always get there)"
        print(
            f"speedup (median time against median time): {result['speedup']:.1f}x{lower}; by seed: "
            + ", ".join(f"{x:.1f}x" for x in result["speedup_by_seed"])
        )
    return result


if __name__ == "__main__":
    main()
