"""Time to >= 99.0% MNIST test accuracy: our trainer's way vs the seed systems' way, in one run.

    .venv/bin/python -m bench.train_speed [--device cpu|cuda] [--target 0.99]

Seed-style: torchvision MNIST + per-sample ToTensor/Normalize + DataLoader(batch 64,
shuffle) + the S0 CNN + Adam(1e-3). Ours: the data set as one uint8 tensor on the device,
batched normalisation, channels_last, DigitNet with BatchNorm, AdamW + one-cycle schedule.
Both are checked on the full test set every 12,800 images (and when the data runs out);
the clock stops while checking. Ours runs under bfloat16 autocast (models.train --bf16) unless --fp32.
Writes bench/results/train_speed-<device>.json and ends with `speedup: N.Nx`.
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import torch
import torch.nn.functional as F

from harness import RESULTS
from models import data, nets
from models.evaluate import evaluate
from models.runtime import normalise

MEAN, STD = [0.1307], [0.3081]


class Clock:
    """Accumulates training time only; checks happen with the clock stopped."""

    def __init__(self, device: torch.device):
        self.device, self.total, self.t0 = device, 0.0, None

    def _sync(self):
        if self.device.type == "cuda":
            torch.cuda.synchronize()

    def start(self):
        self._sync()
        self.t0 = time.perf_counter()

    def stop(self) -> float:
        self._sync()
        self.total += time.perf_counter() - self.t0
        return self.total


def seed_style(device: torch.device, target: float, max_epochs: int, check_every: int, test) -> dict:
    """The tutorials' loop, exactly as they write it."""
    from torch.utils.data import DataLoader
    from torchvision import datasets, transforms

    torch.manual_seed(0)
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
    train_set = datasets.MNIST(str(data.DEFAULT_ROOT), train=True, download=False, transform=tf)
    loader = DataLoader(train_set, batch_size=64, shuffle=True)
    model = nets.build("s0-cnn").to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return _race(
        model,
        opt,
        None,
        ((x.to(device), y.to(device)) for _ in range(max_epochs) for x, y in loader),
        device,
        target,
        check_every,
        test,
        channels_last=False,
    )


def ours(device, target: float, epochs: int, check_every: int, test, width: int, batch: int, lr: float, bf16: bool):
    """Our trainer's recipe: tensors on the device, batched ops, BatchNorm net, one-cycle."""
    torch.manual_seed(0)
    images, labels = (t.to(device) for t in data.load("mnist", train=True))
    model = nets.build("digitnet", width=width).to(device).to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    steps_per_epoch = -(-len(images) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * steps_per_epoch, pct_start=0.2)

    def batches():
        for _ in range(epochs):
            order = torch.randperm(len(images), device=device)
            for i in range(0, len(images), batch):
                idx = order[i : i + batch]
                yield normalise(images[idx], MEAN, STD), labels[idx]

    return _race(model, opt, sched, batches(), device, target, check_every, test, channels_last=True, bf16=bf16)


def _race(model, opt, sched, batches, device, target, check_every, test, channels_last, bf16=False) -> dict:
    test_x, test_y = (t.to(device) for t in test)
    clock, seen, step, checks = Clock(device), 0, 0, []
    clock.start()
    for x, y in batches:
        if channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        model.train()
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            loss = F.cross_entropy(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if sched:
            sched.step()
        seen, step = seen + len(y), step + 1
        if step % check_every == 0:
            elapsed = clock.stop()
            checks.append(_check(model, test_x, test_y, step, seen, elapsed))
            if checks[-1]["test_accuracy"] >= target:
                return {"reached": True, "seconds": elapsed, "images": seen, "checks": checks}
            clock.start()
    elapsed = clock.stop()  # a last check where the data ran out between two checks
    checks.append(_check(model, test_x, test_y, step, seen, elapsed))
    return {"reached": checks[-1]["test_accuracy"] >= target, "seconds": elapsed, "images": seen, "checks": checks}


def _check(model, test_x, test_y, step, seen, elapsed) -> dict:
    acc = evaluate(model, test_x, test_y, MEAN, STD)[1]
    print(f"  {seen:>7} images  {elapsed:7.1f}s  test accuracy {acc:.4f}", flush=True)
    return {"step": step, "images": seen, "seconds": round(elapsed, 2), "test_accuracy": acc}


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="cpu", help="cpu or cuda (default: cpu)")
    p.add_argument("--target", type=float, default=0.99, help="test accuracy to reach (default: 0.99)")
    p.add_argument("--seed-epochs", type=int, default=4, help="seed-style loop gives up after this many epochs")
    p.add_argument("--epochs", type=int, default=1, help="our one-cycle schedule length in epochs (default: 1)")
    p.add_argument("--width", type=int, default=16, help="DigitNet width for the race (default: 16)")
    p.add_argument("--batch", type=int, default=128, help="our batch size (default: 128)")
    p.add_argument("--lr", type=float, default=4e-3, help="our peak learning rate (default: 4e-3)")
    p.add_argument("--fp32", dest="bf16", action="store_false", help="ours without bfloat16 autocast")
    p.add_argument("--skip-seed", action="store_true", help="only time ours (e.g. on a GPU)")
    args = p.parse_args(argv)
    device = torch.device(args.device)
    test = data.load("mnist", train=False)
    images_per_check = 12800  # both loops are checked after the same amount of data
    precision = "bf16 autocast" if args.bf16 else "fp32"
    print(
        f"ours: digitnet(width={args.width}), batch {args.batch}, {args.epochs}-epoch one-cycle, {precision}, on {device}"
    )
    result = {
        "ours": ours(
            device,
            args.target,
            args.epochs,
            images_per_check // args.batch,
            test,
            args.width,
            args.batch,
            args.lr,
            args.bf16,
        )
    }
    if not args.skip_seed:
        print(f"seed-style: S0 CNN, DataLoader batch 64 with per-sample ToTensor/Normalize, Adam, on {device}")
        result["seed_style"] = seed_style(device, args.target, args.seed_epochs, images_per_check // 64, test)
    result.update(
        device=str(device) if device.type == "cpu" else torch.cuda.get_device_name(device),
        cpu_threads=torch.get_num_threads(),
        target=args.target,
        torch=str(torch.__version__),
        python=platform.python_version(),
        when=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        settings=vars(args),
    )
    for name in ("ours", "seed_style"):
        if name in result:
            r = result[name]
            print(
                f"{name}: {'reached' if r['reached'] else 'did NOT reach'} {args.target:.3f} in {r['seconds']:.1f}s "
                f"of training ({r['images']} images)"
            )
    RESULTS.mkdir(exist_ok=True)
    if "seed_style" in result and result["ours"]["reached"]:
        result["speedup"] = result["seed_style"]["seconds"] / result["ours"]["seconds"]
    out = RESULTS / f"train_speed-{device.type}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"results: {out}")
    if "speedup" in result:
        lower = "" if result["seed_style"]["reached"] else " (at least: the seed-style loop never got there)"
        print(f"speedup: {result['speedup']:.1f}x{lower}")
    return result


if __name__ == "__main__":
    main()
