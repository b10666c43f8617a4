"""Train a network on a data set and write a self-describing checkpoint plus a report folder.

    python -m models.train --dataset mnist --arch digitnet --out models/checkpoints/mnist-digitnet.pt

The whole data set lives in memory as uint8 tensors (on the GPU when training there);
each batch is converted, augmented and normalised in a few batched tensor ops.
"""

from __future__ import annotations

import argparse
import copy
import json
import shlex
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from tqdm import tqdm

from models import augment, checkpoint, data, export, nets, report
from models.device import DeviceUnavailable, pick_device
from models.evaluate import evaluate
from models.runtime import normalise

# Per-dataset defaults: the architecture and recipe that give our best result there.
DEFAULTS = {
    "mnist": {"arch": "digitnet", "epochs": 20, "augment": "digits", "lr": 3e-3, "batch_size": 128},
    "fashion-mnist": {"arch": "digitnet", "epochs": 15, "augment": "fashion", "lr": 3e-3, "batch_size": 128},
    "cifar10": {"arch": "cifar-cnn", "epochs": 10, "augment": "cifar", "lr": 1e-3, "batch_size": 64},
}


@dataclass
class History:
    """Per-epoch metrics, for the curves and the checkpoint."""

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    def add(self, train_loss: float, train_acc: float, val_loss: float, val_acc: float, seconds: float) -> None:
        """Record one epoch."""
        for name, value in locals().items():
            if name != "self":
                getattr(self, name).append(value)


def train_epoch(model, opt, sched, images, labels, mean, std, cfg, batch_size, gen, label_smoothing, bar, bf16=False):
    """One pass over shuffled mini-batches; returns (mean loss, accuracy). `bf16`: autocast to bfloat16."""
    model.train()
    order = torch.randperm(len(images), device=images.device, generator=gen)
    total_loss = torch.zeros((), device=images.device)
    correct = torch.zeros((), device=images.device)
    for i in range(0, len(images), batch_size):
        idx = order[i : i + batch_size]
        x = augment.augment(images[idx].float().div_(255), cfg, gen)  # (B, C, H, W) in [0, 1]
        x = normalise(x, mean, std).contiguous(memory_format=torch.channels_last)
        y = labels[idx]
        with torch.autocast(images.device.type, dtype=torch.bfloat16, enabled=bf16):
            logits = model(x)
            loss = F.cross_entropy(logits, y, label_smoothing=label_smoothing)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        total_loss += loss.detach() * len(idx)
        correct += (logits.argmax(1) == y).sum()
        bar.update(len(idx))
        if (i // batch_size) % 50 == 0:  # .item() syncs the GPU: only now and then
            bar.set_postfix(loss=f"{total_loss.item() / bar.n:.4f}", acc=f"{correct.item() / bar.n:.4f}")
    return total_loss.item() / len(images), correct.item() / len(images)


def split_validation(images, labels, val_size: int, seed: int):
    """A seeded random hold-out of `val_size` training images."""
    perm = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))
    val, train = perm[:val_size], perm[val_size:]
    return images[train], labels[train], images[val], labels[val]


def parse_arch_args(pairs: list[str]) -> dict:
    """['width=32', 'dropout=0.3'] -> {'width': 32, 'dropout': 0.3}."""
    out = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        out[key] = json.loads(value)
    return out


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", default="mnist", choices=list(data.DATASETS), help="data set (default: mnist)")
    p.add_argument("--arch", choices=list(nets.ARCHITECTURES), help="network (default: per data set)")
    p.add_argument("--arch-arg", action="append", default=[], metavar="K=V", help="constructor argument, repeatable")
    p.add_argument("--epochs", type=int, help="maximum epochs (default: per data set)")
    p.add_argument("--batch-size", type=int, help="mini-batch size (default: per data set)")
    p.add_argument("--lr", type=float, help="peak learning rate of the one-cycle schedule (default: per data set)")
    p.add_argument("--weight-decay", type=float, default=1e-4, help="AdamW weight decay (default: 1e-4)")
    p.add_argument("--label-smoothing", type=float, default=0.05, help="cross-entropy label smoothing (default: 0.05)")
    p.add_argument("--augment", choices=list(augment.PRESETS), help="augmentation preset (default: per data set)")
    p.add_argument("--val-size", type=int, default=5000, help="training images held out for validation (default: 5000)")
    p.add_argument("--patience", type=int, default=5, help="stop after this many epochs without a better val accuracy")
    p.add_argument("--target-accuracy", type=float, help="stop as soon as validation accuracy reaches this")
    p.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    p.add_argument("--bf16", action="store_true", help="bfloat16 autocast (CPUs with AVX-512 BF16, recent GPUs)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="auto picks CUDA when present")
    p.add_argument("--threads", type=int, help="CPU threads for torch (default: torch's choice)")
    p.add_argument("--data-root", type=Path, default=data.DEFAULT_ROOT, help="data root (default: ./data)")
    p.add_argument("--out", type=Path, help="checkpoint path (default: RUN_DIR/model.pt)")
    p.add_argument("--runs-dir", type=Path, default=Path("runs"), help="report folders go here (default: ./runs)")
    p.add_argument("--no-report", action="store_true", help="skip the PNG report (metrics.json is still written)")
    p.add_argument("--dry-run", action="store_true", help="a tiny subset and one epoch: the whole path in seconds")
    return p


@dataclass
class Splits:
    """Train / validation / test images (uint8) and labels, on the training device."""

    train_x: torch.Tensor
    train_y: torch.Tensor
    val_x: torch.Tensor
    val_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor


def load_splits(args: argparse.Namespace, device: torch.device) -> Splits:
    """The data set with a seeded validation hold-out (a tiny subset for --dry-run), moved to `device`."""
    train_x, train_y = data.load(args.dataset, train=True, root=args.data_root)
    test_x, test_y = data.load(args.dataset, train=False, root=args.data_root)
    val_size = min(args.val_size, len(train_x) // 5)
    train_x, train_y, val_x, val_y = split_validation(train_x, train_y, val_size, args.seed)
    if args.dry_run:
        train_x, train_y, val_x, val_y = train_x[:512], train_y[:512], val_x[:256], val_y[:256]
        test_x, test_y = test_x[:256], test_y[:256]
    return Splits(*(t.to(device) for t in (train_x, train_y, val_x, val_y, test_x, test_y)))


def fit(model, opt, sched, splits: Splits, mean, std, cfg, batch_size: int, epochs: int, gen, args):
    """Train for up to `epochs`, keep the best validation epoch's weights in `model`; return (history, best epoch)."""
    history, best_key, best_state, best_epoch = History(), (-1.0, 0.0), None, 0
    for epoch in range(1, epochs + 1):
        t0 = time.perf_counter()
        with tqdm(
            total=len(splits.train_x),
            desc=f"epoch {epoch}/{epochs}",
            unit="img",
            leave=False,
            file=sys.stdout,
            mininterval=0.5 if sys.stdout.isatty() else 30,
        ) as bar:
            loss, acc = train_epoch(
                model,
                opt,
                sched,
                splits.train_x,
                splits.train_y,
                mean,
                std,
                cfg,
                batch_size,
                gen,
                args.label_smoothing,
                bar,
                args.bf16,
            )
        val_loss, val_acc, _ = evaluate(model, splits.val_x, splits.val_y, mean, std)
        history.add(loss, acc, val_loss, val_acc, time.perf_counter() - t0)
        print(
            f"epoch {epoch}: loss {loss:.4f} acc {acc:.4f} | val loss {val_loss:.4f} acc {val_acc:.4f} "
            f"| {history.seconds[-1]:.1f}s"
        )
        if (val_acc, -val_loss) > best_key:  # accuracy first, lower loss breaks ties
            best_key, best_epoch = (val_acc, -val_loss), epoch
            best_state = copy.deepcopy(model.state_dict())
        if args.target_accuracy and val_acc >= args.target_accuracy:
            break
        if epoch - best_epoch >= args.patience:
            print(f"early stop: no better validation accuracy for {args.patience} epochs")
            break
    model.load_state_dict(best_state)
    return history, best_epoch


def main(argv: list[str] | None = None) -> dict:
    """Train, select the best epoch on validation, test it, save checkpoint and report; return the card."""
    args = build_parser().parse_args(argv)
    defaults = DEFAULTS[args.dataset]
    arch = args.arch or defaults["arch"]
    epochs = 1 if args.dry_run else (args.epochs or defaults["epochs"])
    batch_size = args.batch_size or defaults["batch_size"]
    lr = args.lr or defaults["lr"]
    augment_name = args.augment or defaults["augment"]
    cfg = augment.PRESETS[augment_name]
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        device = pick_device(args.device)
    except DeviceUnavailable as exc:
        raise SystemExit(f"error: {exc}") from None
    torch.manual_seed(args.seed)
    gen = torch.Generator(device=device).manual_seed(args.seed)

    info = data.DATASETS[args.dataset]
    splits = load_splits(args, device)
    mean, std = list(info.mean), list(info.std)
    arch_args = {
        "in_channels": info.in_channels,
        "image_size": info.image_size,
        "num_classes": len(info.classes),
        **parse_arch_args(args.arch_arg),
    }
    model = nets.build(arch, **arch_args).to(device).to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=args.weight_decay)
    steps = epochs * -(-len(splits.train_x) // batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=max(steps, 8), pct_start=0.25)

    run_dir = args.runs_dir / (
        f"{time.strftime('%Y%m%d-%H%M%S')}-{args.dataset}-{arch}" + ("-dry" if args.dry_run else "")
    )
    out = args.out or run_dir / "model.pt"
    print(
        f"training {arch} on {args.dataset} ({len(splits.train_x)} train / {len(splits.val_x)} val) on {device}, "
        f"{epochs} epochs"
    )
    started = time.perf_counter()
    history, best_epoch = fit(model, opt, sched, splits, mean, std, cfg, batch_size, epochs, gen, args)
    train_seconds = time.perf_counter() - started
    test_loss, test_acc, test_pred = evaluate(model, splits.test_x, splits.test_y, mean, std)
    best_acc = history.val_acc[best_epoch - 1]
    print(f"best epoch {best_epoch}: val accuracy {best_acc:.4f}; test loss {test_loss:.4f}")

    metrics = {
        "best_epoch": best_epoch,
        "epochs_run": len(history.val_acc),
        "val_accuracy": best_acc,
        "val_loss": history.val_loss[best_epoch - 1],
        "test_accuracy": test_acc,
        "test_loss": test_loss,
        "train_seconds": round(train_seconds, 1),
        "device": str(device),
        "history": vars(history),
    }
    meta = {
        "arch": arch,
        "arch_args": arch_args,
        "dataset": args.dataset,
        "classes": list(info.classes),
        "input_shape": [info.in_channels, info.image_size, info.image_size],
        "mean": list(info.mean),
        "std": list(info.std),
        "preprocess": "mnist-digit" if args.dataset == "mnist" else f"{args.dataset}-image",
        "metrics": {k: v for k, v in metrics.items() if k != "history"},
        "seed": args.seed,
        "augment": augment_name,
        "command": "python -m models.train " + shlex.join(sys.argv[1:] if argv is None else argv),
        "versions": checkpoint.versions(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    card = checkpoint.save(out, model, meta)
    try:  # the ONNX twin the server runs on CPUs (models/export.py)
        card = export.export(out)
    except ImportError as exc:
        print(f"no ONNX twin written ({exc.name} is not installed): the server will run this checkpoint in torch")
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "metrics.json").write_text(json.dumps({**metrics, "checkpoint": str(out)}, indent=2) + "\n")
    if not args.no_report:
        preview = augment.augment(splits.train_x[:64].float().div(255), cfg, gen).cpu()
        report.write_all(
            run_dir,
            metrics["history"],
            splits.test_x.cpu(),
            splits.test_y.cpu(),
            test_pred.cpu(),
            preview,
            splits.train_y[:64].cpu(),
            list(info.classes),
        )
    print(f"checkpoint: {out}\nreport: {run_dir}\ntest accuracy: {test_acc:.4f}")
    return card


if __name__ == "__main__":
    main()
