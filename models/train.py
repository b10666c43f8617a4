"""Train a network on a data set and write a self-describing checkpoint, its card, its ONNX twin and a report.

    python -m models.train --dataset mnist --arch-arg width=16 --out models/checkpoints/mnist-digitnet.pt

The data set lives in memory as uint8 tensors (on the GPU when training there); each batch is
converted, augmented and normalised in a few batched tensor ops. For MNIST the training split is
joined by its own digits redrawn with a pen, the styles MNIST lacks and handwriting fonts
(`models.pen`), and the validation split by its digits redrawn likewise. After training, a
temperature and an `uncertain` threshold are fitted on validation (`models.calibrate`).
"""

from __future__ import annotations

import copy
import json
import shlex
import sys
import time
from dataclasses import asdict, dataclass, field

import torch
from tqdm import tqdm

from models import augment, calibrate, checkpoint, data, distill, export, finetune, nets, report, webreport
from models.device import DeviceUnavailable, pick_device
from models.evaluate import evaluate, logits_of
from models.runtime import normalise
from models.splits import Splits, load_splits
from models.trainconfig import TrainConfig, from_args


@dataclass
class History:
    """Per-epoch metrics, for the curves and the checkpoint."""

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)


def use_bf16(precision: str, device: torch.device) -> bool:
    """auto -> bfloat16 autocast only where the hardware runs it natively (else it is emulated, and slower)."""
    if precision != "auto":
        return precision == "bf16"
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


def train_epoch(
    model,
    opt,
    sched,
    x: torch.Tensor,
    y: torch.Tensor,
    cfg: TrainConfig,
    info: data.DatasetInfo,
    gen: torch.Generator,
    bf16: bool,
    bar=None,
    on_step=None,
    teacher=None,
) -> tuple[float, float]:
    """One pass over shuffled mini-batches; returns (mean loss, accuracy). `on_step(model, images)` after each
    step, with the images this epoch has seen (bench/train_speed.py checks the accuracy there). With a
    `teacher`, the loss also asks for its softened answers on the same batch (`models.distill`)."""
    model.train()
    order = torch.randperm(len(x), device=x.device, generator=gen)
    total_loss, correct = torch.zeros((), device=x.device), torch.zeros((), device=x.device)
    for i in range(0, len(x), cfg.batch_size):
        idx = order[i : i + cfg.batch_size]
        batch = augment.augment(x[idx].float().div_(255), cfg.augment_config, gen)  # (B, C, H, W) in [0, 1]
        batch = normalise(batch, info.mean, info.std).contiguous(memory_format=torch.channels_last)
        with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=bf16):
            logits = model(batch)
            with torch.no_grad():
                target = None if teacher is None else teacher(batch)
        loss = distill.loss(logits.float(), target, y[idx], cfg)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        total_loss += loss.detach() * len(idx)
        correct += (logits.argmax(1) == y[idx]).sum()
        if bar is not None:
            bar.update(len(idx))
        if on_step is not None:
            on_step(model, i + len(idx))
    return total_loss.item() / len(x), correct.item() / len(x)


def fit(
    model,
    splits: Splits,
    cfg: TrainConfig,
    info: data.DatasetInfo,
    gen: torch.Generator,
    bf16: bool,
    on_step=None,
    teacher=None,
) -> tuple[History, int]:
    """Train up to cfg.epochs with AdamW and a one-cycle schedule (learning from `teacher` too, if given); keep
    the best validation epoch's weights in `model`. Returns (history, best epoch)."""
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    steps = cfg.epochs * -(-len(splits.train_x) // cfg.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=max(steps, 8), pct_start=0.25)
    history, best_key, best_state, best_epoch = History(), (-1.0, 0.0), None, 0
    for epoch in range(1, cfg.epochs + 1):
        t0 = time.perf_counter()
        with tqdm(
            total=len(splits.train_x),
            desc=f"epoch {epoch}/{cfg.epochs}",
            unit="img",
            leave=False,
            file=sys.stdout,
            mininterval=0.5 if sys.stdout.isatty() else 60,
        ) as bar:
            loss, acc = train_epoch(
                model, opt, sched, splits.train_x, splits.train_y, cfg, info, gen, bf16, bar, on_step, teacher
            )
        val_loss, val_acc, _ = evaluate(model, splits.val_x, splits.val_y, info.mean, info.std, len(info.classes))
        for key, value in zip(asdict(history), (loss, acc, val_loss, val_acc, time.perf_counter() - t0), strict=True):
            getattr(history, key).append(value)
        print(
            f"epoch {epoch}: loss {loss:.4f} acc {acc:.4f} | val loss {val_loss:.4f} acc {val_acc:.4f} "
            f"| {history.seconds[-1]:.1f}s",
            flush=True,
        )
        if (val_acc, -val_loss) > best_key:  # accuracy first, lower loss breaks ties
            best_key, best_epoch, best_state = (val_acc, -val_loss), epoch, copy.deepcopy(model.state_dict())
        if cfg.target_accuracy and val_acc >= cfg.target_accuracy:
            break
        if cfg.patience and epoch - best_epoch >= cfg.patience:
            print(f"early stop: no better validation accuracy for {cfg.patience} epochs")
            break
    model.load_state_dict(best_state)
    return history, best_epoch


def build_model(cfg: TrainConfig, info: data.DatasetInfo, device: torch.device) -> tuple[torch.nn.Module, dict]:
    """The network to train, and its constructor arguments: new, or the weights of cfg.finetune."""
    if cfg.finetune:
        model, meta = checkpoint.load(cfg.finetune)
        return model.to(device).to(memory_format=torch.channels_last), meta["arch_args"]
    arch_args = {
        "in_channels": info.in_channels,
        "image_size": info.image_size,
        "num_classes": len(info.classes),
        **cfg.arch_args,
    }
    return nets.build(cfg.arch, **arch_args).to(device).to(memory_format=torch.channels_last), arch_args


def main(argv: list[str] | None = None, on_step=None) -> dict:
    """Train, select the best epoch on validation, calibrate, test, save checkpoint + card + twin + report."""
    try:  # what the command line names must be there before any work: else one line, no traceback
        cfg = finetune.config(from_args(argv)).resolved()
        device = pick_device(cfg.device)
        info = data.DATASETS[cfg.dataset]
        nets.check_args(cfg.arch, cfg.arch_args)
        missing = [str(path) for path in cfg.extra if not path.is_file()]
        if missing:
            raise FileNotFoundError(f"no such data set file: {', '.join(missing)}")
        if cfg.out:
            checkpoint.check_writable(cfg.out)
        teacher, teacher_card = (
            distill.load_teacher(cfg.teacher, cfg.dataset, len(info.classes), device) if cfg.teacher else (None, None)
        )
    except (checkpoint.CheckpointError, DeviceUnavailable, ValueError, OSError) as exc:
        raise SystemExit(f"error: {exc}") from None
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    gen = torch.Generator(device=device).manual_seed(cfg.seed)
    try:
        splits = load_splits(cfg, device)
    except data.DataUnavailable as exc:
        raise SystemExit(f"error: {exc}") from None
    model, arch_args = build_model(cfg, info, device)
    bf16 = use_bf16(cfg.precision, device)
    run_dir = cfg.runs_dir / (
        f"{time.strftime('%Y%m%d-%H%M%S')}-{cfg.dataset}-{cfg.arch}" + ("-dry" if cfg.dry_run else "")
    )
    out = cfg.out or run_dir / "model.pt"
    print(
        f"training {cfg.arch} on {cfg.dataset} ({len(splits.train_x)} train / {len(splits.val_x)} val) on {device}, "
        f"{cfg.epochs} epochs, {'bf16 autocast' if bf16 else 'fp32'}"
        + (f", distilling {cfg.teacher}" if teacher is not None else "")
    )
    started = time.perf_counter()
    if on_step is not None:
        on_step(model, 0)  # training starts now
    history, best_epoch = fit(model, splits, cfg, info, gen, bf16, on_step, teacher)
    train_seconds = time.perf_counter() - started
    n = len(info.classes)
    calibration = calibrate.calibration(
        logits_of(model, splits.val_x, info.mean, info.std)[:, :n].cpu(), splits.val_y.cpu()
    )
    test_loss, test_acc, test_pred = evaluate(model, splits.test_x, splits.test_y, info.mean, info.std, n)
    print(
        f"best epoch {best_epoch}: val accuracy {history.val_acc[best_epoch - 1]:.4f}; test loss {test_loss:.4f}; "
        f"temperature {calibration['temperature']}, uncertain below {calibration['uncertain_below']}"
    )
    tuned = finetune.before_after(cfg, splits, model, info, test_acc) if cfg.finetune else None
    metrics = {
        "best_epoch": best_epoch,
        "epochs_run": len(history.val_acc),
        "val_accuracy": history.val_acc[best_epoch - 1],
        "val_loss": history.val_loss[best_epoch - 1],
        "test_accuracy": test_acc,
        "test_loss": test_loss,
        "train_seconds": round(train_seconds, 1),
        "train_images": len(splits.train_x),
        "device": str(device),
        "precision": "bf16" if bf16 else "fp32",
        "history": {k: [round(v, 5) for v in vals] for k, vals in asdict(history).items()},
    }
    meta = {
        "arch": cfg.arch,
        "arch_args": arch_args,
        "dataset": cfg.dataset,
        "classes": list(info.classes),
        "input_shape": [info.in_channels, info.image_size, info.image_size],
        "mean": list(info.mean),
        "std": list(info.std),
        "preprocess": "mnist-digit" if cfg.dataset == "mnist" else f"{cfg.dataset}-image",
        "temperature": calibration["temperature"],
        "uncertain_below": calibration["uncertain_below"],
        "calibration": calibration["validation"],
        "metrics": metrics,
        "seed": cfg.seed,
        "augment": cfg.augment,
        "rotate": cfg.augment_config.rotate_deg,
        "extras": cfg.extras,
        "pen_share": cfg.pen_share,
        "hollow_share": cfg.hollow_share,
        "lift_share": cfg.lift_share,
        "styles": cfg.styles,
        "finetune": tuned,
        "teacher": teacher_card
        and {**teacher_card, "weight": cfg.distill_weight, "temperature": cfg.distill_temperature},
        "command": "python -m models.train " + shlex.join(sys.argv[1:] if argv is None else argv),
        "versions": checkpoint.versions(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    card = checkpoint.save(out, model, meta)
    try:  # the ONNX twin the server runs on CPUs (models/export.py)
        card = export.export(out)
    except ImportError as exc:
        print(f"no ONNX twin written ({exc.name} is not installed): the server will run this checkpoint in torch")
    webreport.write(out, model, (splits.test_x.cpu(), splits.test_y.cpu()))  # the model page's data, beside it
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "metrics.json").write_text(
        json.dumps(
            {**metrics, "history": asdict(history), "checkpoint": str(out), "calibration": calibration}, indent=2
        )
        + "\n"
    )
    if cfg.report:
        preview = augment.augment(splits.train_x[:64].float().div(255), cfg.augment_config, gen).cpu()
        report.write_all(
            run_dir,
            asdict(history),
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
