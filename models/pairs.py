"""Train the pair reader: is a group of ink one digit or two touching, and if two, which? Writes a checkpoint,
its card and its ONNX twin, which /predict/number uses to read touching digits (`backend.segment`).

    python -m models.pairs --out models/checkpoints/mnist-pairs.pt

A vertical cut cannot part two digits written fast: they lean into each other, and the best straight cut
still reads only about three pairs in four right. The pair reader reads the group whole instead. Its
training groups (`models.numbers.group_set`) are MNIST training digits drawn with a pen 0.05-0.25 of the
line's height (`--pen`: thick pens too, or it takes a thick lone digit for two), alone (some with the pen
lifted), two touching by anything from a hair to deep overlap, or two close but apart
(what it must not join), through the pair recipe (`models.recipe.digit_pair`); its validation and test
groups are made the same way from validation digits and MNIST test digits. 120,000 groups, 10 epochs, on
the GPU where there is one (`--device`), else the CPU; bf16 autocast where the hardware runs it natively
(`--precision`, as `models.train`).
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from models import argtypes, checkpoint, data, export, nets, numbers, recipe
from models.cache import cached
from models.device import DEVICES, DeviceUnavailable, describe, pick_device
from models.evaluate import logits_of
from models.pen import pen_option
from models.runtime import normalise
from models.train import use_bf16

VERSION = 3  # of the group generator: part of the cache key
CLASSES = ["one digit", "two digits", *(f"first {d}" for d in range(10)), *(f"second {d}" for d in range(10))]


def groups(
    images: torch.Tensor, labels: torch.Tensor, count: int, seed: int, cache: Path, shares: tuple, pen_range: tuple
) -> tuple:
    """`count` training groups of these digits (uint8 tensors), cached as an .npz under a key of the inputs;
    `shares`: (pair_share, lifted_share) and `pen_range` of `numbers.group_set`."""
    x, y = images[:, 0].numpy(), labels.numpy()
    params = (count, seed, VERSION, *shares, *pen_range)
    fields, targets = cached(
        cache, "groups", (x, y), params, lambda: numbers.group_set(x, y, count, seed, *shares, pen_range)
    )
    return torch.from_numpy(fields), torch.from_numpy(targets)


def loss_of(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """How many digits (always), the first digit (always), the second digit (only for two)."""
    count, first, second = logits.float().split(nets.PairNet.HEADS, 1)
    return (
        F.cross_entropy(count, y[:, 0], label_smoothing=0.05)
        + F.cross_entropy(first, y[:, 1])
        + F.cross_entropy(second, y[:, 2], ignore_index=-1)
    )


def scores(model, x: torch.Tensor, y: torch.Tensor, mean, std) -> dict[str, float]:
    """Shares right: the count; a group read whole (the count, and each digit it holds)."""
    logits = logits_of(model, x, mean, std)
    count, first, second = (part.argmax(1) for part in logits.split(nets.PairNet.HEADS, 1))
    pair = y[:, 0] == 1
    whole = (count == y[:, 0]) & (first == y[:, 1]) & (~pair | (second == y[:, 2]))
    return {
        "count": (count == y[:, 0]).float().mean().item(),
        "whole": whole.float().mean().item(),
        "pairs_whole": whole[pair].float().mean().item(),
        "singles_kept": (count[~pair] == 0).float().mean().item(),
    }


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=Path("models/checkpoints/mnist-pairs.pt"))
    p.add_argument("--groups", type=argtypes.COUNT, default=120_000, help="training groups (default: 120000)")
    p.add_argument("--epochs", type=argtypes.COUNT, default=10)
    p.add_argument("--batch-size", type=argtypes.COUNT, default=256)
    p.add_argument("--lr", type=argtypes.POSITIVE, default=3e-3)
    p.add_argument("--width", type=argtypes.COUNT, default=32)
    p.add_argument("--seed", type=argtypes.SEED, default=0)
    p.add_argument(
        "--pair-share",
        type=argtypes.SHARE,
        default=numbers.PAIR_SHARE,
        help="groups of two digits (default: %(default)s)",
    )
    p.add_argument(
        "--lifted-share",
        type=argtypes.SHARE,
        default=numbers.LIFTED_SHARE,
        help="single digits drawn with the pen lifted (default: %(default)s)",
    )
    pen_option(p, numbers.TRAIN_PEN, "the line's height")
    p.add_argument("--device", default="auto", choices=DEVICES, help="auto picks CUDA when present")
    p.add_argument(
        "--precision",
        default="auto",
        choices=["auto", "bf16", "fp32"],
        help="auto: bfloat16 autocast where the hardware runs it natively (default: auto)",
    )
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    p.add_argument("--data-root", type=Path, default=data.DEFAULT_ROOT)
    p.add_argument("--dry-run", action="store_true", help="the whole path on a few hundred groups, one epoch")
    args = p.parse_args(argv)
    sizes = (512, 256, 256) if args.dry_run else (args.groups, 5000, 10_000)  # train, validation, test groups
    if args.dry_run:
        args.epochs = 1
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        device = pick_device(args.device)
    except DeviceUnavailable as exc:
        raise SystemExit(f"error: {exc}") from None
    torch.manual_seed(args.seed)
    info = data.DATASETS["mnist"]
    images, labels = data.load("mnist", train=True, root=args.data_root)
    test_images, test_labels = data.load("mnist", train=False, root=args.data_root)
    held = 5000  # the last digits of the training split: validation groups only
    cache, shares, pen_range = args.data_root / "pen-cache", (args.pair_share, args.lifted_share), args.pen
    train_x, train_y, val_x, val_y, test_x, test_y = (
        t.to(device)
        for t in (
            *groups(images[:-held], labels[:-held], sizes[0], args.seed, cache, shares, pen_range),
            *groups(images[-held:], labels[-held:], sizes[1], args.seed + 1, cache, shares, pen_range),
            *groups(test_images, test_labels, sizes[2], args.seed + 2, cache, shares, pen_range),
        )
    )
    model = nets.build("pairnet", width=args.width).to(device)
    bf16 = use_bf16(args.precision, device)
    print(
        f"training pairnet (width {args.width}) on {len(train_x)} groups on {device}, {'bf16 autocast' if bf16 else 'fp32'}"
    )
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=5e-4)
    steps = args.epochs * -(-len(train_x) // args.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps, pct_start=0.25)
    gen = torch.Generator().manual_seed(args.seed)
    started, history = time.perf_counter(), []
    for epoch in range(1, args.epochs + 1):
        model.train()
        for idx in torch.randperm(len(train_x), generator=gen).to(device).split(args.batch_size):
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
                loss = loss_of(model(normalise(train_x[idx], info.mean, info.std)), train_y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
        history.append(scores(model, val_x, val_y, info.mean, info.std))
        print(f"epoch {epoch}: loss {loss.item():.4f} | validation {history[-1]}", flush=True)
    test = scores(model, test_x, test_y, info.mean, info.std)
    print(f"test (MNIST test digits): {test}")
    meta = {
        "arch": "pairnet",
        "arch_args": {"width": args.width},
        "dataset": "mnist",
        "classes": CLASSES,
        "heads": list(nets.PairNet.HEADS),
        "input_shape": [1, *recipe.PAIR_FIELD],
        "mean": list(info.mean),
        "std": list(info.std),
        "preprocess": "mnist-pair",
        "seed": args.seed,
        "pair_share": args.pair_share,
        "lifted_share": args.lifted_share,
        "pen": list(args.pen),
        "metrics": {
            "validation": history[-1],
            "test": test,
            "history": history,
            "train_groups": len(train_x),
            "train_seconds": round(time.perf_counter() - started, 1),
            "precision": "bf16" if bf16 else "fp32",
            "device": describe(device),
        },
        "command": "python -m models.pairs " + shlex.join(sys.argv[1:] if argv is None else argv),
        "versions": checkpoint.versions(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    checkpoint.save(args.out, model, meta)
    card = export.export(args.out)
    print(f"checkpoint: {args.out}")
    return card


if __name__ == "__main__":
    main()
