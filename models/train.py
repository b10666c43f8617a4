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
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from models import augment, calibrate, checkpoint, data, export, nets, report, webreport
from models.device import DeviceUnavailable, pick_device
from models.evaluate import evaluate, logits_of
from models.runtime import normalise
from models.trainconfig import TrainConfig, from_args

EXTRA_SHARE = 0.05  # corrections are repeated until they are about this share of a fine-tune's images
HELD_OUT = 0.2  # of the corrections, kept out of a fine-tune to measure it


@dataclass
class History:
    """Per-epoch metrics, for the curves and the checkpoint."""

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)


@dataclass
class Splits:
    """Train / validation / test images (uint8) and labels, on the training device."""

    train_x: torch.Tensor
    train_y: torch.Tensor
    val_x: torch.Tensor
    val_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    held_x: torch.Tensor | None = None  # corrections held out of a fine-tune, to measure it on
    held_y: torch.Tensor | None = None


def use_bf16(precision: str, device: torch.device) -> bool:
    """auto -> bfloat16 autocast only where the hardware runs it natively (else it is emulated, and slower)."""
    if precision != "auto":
        return precision == "bf16"
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


def train_epoch(model, opt, sched, x: torch.Tensor, y: torch.Tensor, cfg: TrainConfig, info: data.DatasetInfo,
                gen: torch.Generator, bf16: bool, bar=None, on_step=None) -> tuple[float, float]:  # fmt: skip
    """One pass over shuffled mini-batches; returns (mean loss, accuracy). `on_step(model, images)` after each
    step, with the images this epoch has seen (bench/train_speed.py checks the accuracy there)."""
    model.train()
    order = torch.randperm(len(x), device=x.device, generator=gen)
    total_loss, correct = torch.zeros((), device=x.device), torch.zeros((), device=x.device)
    for i in range(0, len(x), cfg.batch_size):
        idx = order[i : i + cfg.batch_size]
        batch = augment.augment(x[idx].float().div_(255), cfg.augment_config, gen)  # (B, C, H, W) in [0, 1]
        batch = normalise(batch, info.mean, info.std).contiguous(memory_format=torch.channels_last)
        with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=bf16):
            logits = model(batch)
        loss = F.cross_entropy(logits.float(), y[idx], label_smoothing=cfg.label_smoothing)
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


def _pen_extras(images: torch.Tensor, labels: torch.Tensor, cfg: TrainConfig, with_styles: bool):
    from models import pen

    fonts = data.fetch_fonts(cfg.data_root)["train"] if with_styles else []
    n = (1500 if cfg.dry_run else 6000) if with_styles else 0
    x, y = pen.training_set(images.numpy(), labels.numpy(), fonts, cfg.seed, cfg.data_root / "pen-cache", styles=n,
                            glyphs_per_font=(8 if cfg.dry_run else 300) if with_styles else 0)  # fmt: skip
    return torch.from_numpy(x), torch.from_numpy(y)


def load_splits(cfg: TrainConfig, device: torch.device) -> Splits:
    """The data set with a seeded validation hold-out (a tiny subset for a dry run), extras joined, on `device`."""
    train_x, train_y = data.load(cfg.dataset, train=True, root=cfg.data_root)
    test_x, test_y = data.load(cfg.dataset, train=False, root=cfg.data_root)
    perm = torch.randperm(len(train_x), generator=torch.Generator().manual_seed(cfg.seed))
    val_size = min(cfg.val_size, len(train_x) // 5)
    val_idx, train_idx = perm[:val_size], perm[val_size:]
    if cfg.dry_run:
        train_idx, val_idx, test_x, test_y = train_idx[:512], val_idx[:256], test_x[:256], test_y[:256]
    train_x, train_y, val_x, val_y = train_x[train_idx], train_y[train_idx], train_x[val_idx], train_y[val_idx]
    if cfg.extras == "pen":
        redrawn = int(round(cfg.pen_share * len(train_x)))  # the first of a shuffled split: a random share
        pen_x, pen_y = _pen_extras(train_x[:redrawn], train_y[:redrawn], cfg, with_styles=True)
        val_pen_x, val_pen_y = _pen_extras(val_x, val_y, cfg, with_styles=False)
        train_x, train_y = torch.cat([train_x, pen_x]), torch.cat([train_y, pen_y])
        val_x, val_y = torch.cat([val_x, val_pen_x]), torch.cat([val_y, val_pen_y])
    held = (None, None)
    if cfg.extra:  # corrections from the people who use it (models.feedback export)
        extra_x, extra_y, *held = corrections(cfg.extra, cfg.seed)
        repeat = max(1, round(EXTRA_SHARE * len(train_x) / max(1, len(extra_x))))  # a few dozen must still count
        train_x = torch.cat([train_x, extra_x.repeat(repeat, 1, 1, 1)])
        train_y = torch.cat([train_y, extra_y.repeat(repeat)])
    tensors = (train_x, train_y, val_x, val_y, test_x, test_y, *held)
    return Splits(*(t.to(device) if t is not None else None for t in tensors))


def corrections(paths: tuple, seed: int) -> tuple[torch.Tensor, ...]:
    """Data set files of corrections -> (train x, train y, held-out x, held-out y): HELD_OUT of them, seeded,
    are kept out of training to measure the fine-tune on."""
    xs, ys = [], []
    for path in paths:
        with np.load(path) as extra:
            xs.append(torch.from_numpy(extra["x"].copy()))
            ys.append(torch.from_numpy(extra["y"].copy()).long())
    x, y = torch.cat(xs), torch.cat(ys)
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    cut = int(round(len(x) * HELD_OUT))
    return x[order[cut:]], y[order[cut:]], x[order[:cut]], y[order[:cut]]


def fit(model, splits: Splits, cfg: TrainConfig, info: data.DatasetInfo, gen: torch.Generator, bf16: bool,
        on_step=None) -> tuple[History, int]:  # fmt: skip
    """Train up to cfg.epochs with AdamW and a one-cycle schedule; keep the best validation epoch's weights
    in `model`. Returns (history, best epoch)."""
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    steps = cfg.epochs * -(-len(splits.train_x) // cfg.batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=max(steps, 8), pct_start=0.25)
    history, best_key, best_state, best_epoch = History(), (-1.0, 0.0), None, 0
    for epoch in range(1, cfg.epochs + 1):
        t0 = time.perf_counter()
        with tqdm(total=len(splits.train_x), desc=f"epoch {epoch}/{cfg.epochs}", unit="img", leave=False,
                  file=sys.stdout, mininterval=0.5 if sys.stdout.isatty() else 60) as bar:  # fmt: skip
            loss, acc = train_epoch(model, opt, sched, splits.train_x, splits.train_y, cfg, info, gen, bf16, bar,
                                    on_step)  # fmt: skip
        val_loss, val_acc, _ = evaluate(model, splits.val_x, splits.val_y, info.mean, info.std, len(info.classes))
        for key, value in zip(asdict(history), (loss, acc, val_loss, val_acc, time.perf_counter() - t0), strict=True):
            getattr(history, key).append(value)
        print(f"epoch {epoch}: loss {loss:.4f} acc {acc:.4f} | val loss {val_loss:.4f} acc {val_acc:.4f} "
              f"| {history.seconds[-1]:.1f}s", flush=True)  # fmt: skip
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
    arch_args = {"in_channels": info.in_channels, "image_size": info.image_size, "num_classes": len(info.classes),
                 **cfg.arch_args}  # fmt: skip
    return nets.build(cfg.arch, **arch_args).to(device).to(memory_format=torch.channels_last), arch_args


def _before_after(cfg: TrainConfig, splits: Splits, model, info: data.DatasetInfo, test_acc: float) -> dict:
    """What a fine-tune changed: accuracy on the held-out corrections and on the test set, before and after."""
    before_model, _ = checkpoint.load(cfg.finetune, map_location=splits.test_x.device)
    n = len(info.classes)
    figures = {"from": str(cfg.finetune), "from_sha256": checkpoint.read_card(cfg.finetune)["sha256"],
               "corrections_held_out": 0 if splits.held_x is None else len(splits.held_x),
               "test_before": evaluate(before_model, splits.test_x, splits.test_y, info.mean, info.std, n)[1],
               "test_after": test_acc}  # fmt: skip
    if splits.held_x is not None and len(splits.held_x):
        figures["held_out_before"] = evaluate(before_model, splits.held_x, splits.held_y, info.mean, info.std, n)[1]
        figures["held_out_after"] = evaluate(model, splits.held_x, splits.held_y, info.mean, info.std, n)[1]
        print(f"held-out corrections ({len(splits.held_x)}): accuracy {figures['held_out_before']:.4f} before, "
              f"{figures['held_out_after']:.4f} after")  # fmt: skip
    print(f"test set: accuracy {figures['test_before']:.4f} before, {figures['test_after']:.4f} after")
    return figures


def main(argv: list[str] | None = None, on_step=None) -> dict:
    """Train, select the best epoch on validation, calibrate, test, save checkpoint + card + twin + report."""
    cfg = from_args(argv)
    if cfg.finetune:  # the checkpoint decides what is trained, and on what
        source = checkpoint.read_card(cfg.finetune)
        cfg = replace(cfg, dataset=source["dataset"], arch=source["arch"], extras=cfg.extras or source.get("extras"))
    cfg = cfg.resolved()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    try:
        device = pick_device(cfg.device)
    except DeviceUnavailable as exc:
        raise SystemExit(f"error: {exc}") from None
    torch.manual_seed(cfg.seed)
    gen = torch.Generator(device=device).manual_seed(cfg.seed)
    info = data.DATASETS[cfg.dataset]
    splits = load_splits(cfg, device)
    model, arch_args = build_model(cfg, info, device)
    bf16 = use_bf16(cfg.precision, device)
    run_dir = cfg.runs_dir / (
        f"{time.strftime('%Y%m%d-%H%M%S')}-{cfg.dataset}-{cfg.arch}" + ("-dry" if cfg.dry_run else "")
    )
    out = cfg.out or run_dir / "model.pt"
    print(f"training {cfg.arch} on {cfg.dataset} ({len(splits.train_x)} train / {len(splits.val_x)} val) on {device}, "
          f"{cfg.epochs} epochs, {'bf16 autocast' if bf16 else 'fp32'}")  # fmt: skip
    started = time.perf_counter()
    if on_step is not None:
        on_step(model, 0)  # training starts now
    history, best_epoch = fit(model, splits, cfg, info, gen, bf16, on_step)
    train_seconds = time.perf_counter() - started
    n = len(info.classes)
    calibration = calibrate.calibration(logits_of(model, splits.val_x, info.mean, info.std)[:, :n].cpu(),
                                        splits.val_y.cpu())  # fmt: skip
    test_loss, test_acc, test_pred = evaluate(model, splits.test_x, splits.test_y, info.mean, info.std, n)
    print(f"best epoch {best_epoch}: val accuracy {history.val_acc[best_epoch - 1]:.4f}; test loss {test_loss:.4f}; "
          f"temperature {calibration['temperature']}, uncertain below {calibration['uncertain_below']}")  # fmt: skip
    finetune = _before_after(cfg, splits, model, info, test_acc) if cfg.finetune else None
    metrics = {"best_epoch": best_epoch, "epochs_run": len(history.val_acc),
               "val_accuracy": history.val_acc[best_epoch - 1], "val_loss": history.val_loss[best_epoch - 1],
               "test_accuracy": test_acc, "test_loss": test_loss, "train_seconds": round(train_seconds, 1),
               "train_images": len(splits.train_x), "device": str(device), "precision": "bf16" if bf16 else "fp32",
               "history": {k: [round(v, 5) for v in vals] for k, vals in asdict(history).items()}}  # fmt: skip
    meta = {
        "arch": cfg.arch, "arch_args": arch_args, "dataset": cfg.dataset, "classes": list(info.classes),
        "input_shape": [info.in_channels, info.image_size, info.image_size],
        "mean": list(info.mean), "std": list(info.std),
        "preprocess": "mnist-digit" if cfg.dataset == "mnist" else f"{cfg.dataset}-image",
        "temperature": calibration["temperature"], "uncertain_below": calibration["uncertain_below"],
        "calibration": calibration["validation"], "metrics": metrics, "seed": cfg.seed, "augment": cfg.augment,
        "extras": cfg.extras, "finetune": finetune,
        "command": "python -m models.train " + shlex.join(sys.argv[1:] if argv is None else argv),
        "versions": checkpoint.versions(), "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }  # fmt: skip
    card = checkpoint.save(out, model, meta)
    try:  # the ONNX twin the server runs on CPUs (models/export.py)
        card = export.export(out)
    except ImportError as exc:
        print(f"no ONNX twin written ({exc.name} is not installed): the server will run this checkpoint in torch")
    webreport.write(out, model, (splits.test_x.cpu(), splits.test_y.cpu()))  # the model page's data, beside it
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "metrics.json").write_text(json.dumps({**metrics, "history": asdict(history), "checkpoint": str(out),
                                                      "calibration": calibration}, indent=2) + "\n")  # fmt: skip
    if cfg.report:
        preview = augment.augment(splits.train_x[:64].float().div(255), cfg.augment_config, gen).cpu()
        report.write_all(run_dir, asdict(history), splits.test_x.cpu(), splits.test_y.cpu(), test_pred.cpu(),
                         preview, splits.train_y[:64].cpu(), list(info.classes))  # fmt: skip
    print(f"checkpoint: {out}\nreport: {run_dir}\ntest accuracy: {test_acc:.4f}")
    return card


if __name__ == "__main__":
    main()
