"""Everything a training run can be told: one dataclass, filled from the command line and the data set's defaults.

One new hyperparameter is one field here and one line in `parser()`; the training loop reads it from
the config it is handed, never from an argparse namespace or a long parameter list.
"""

from __future__ import annotations

import argparse
import shlex
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from models import argtypes, augment, data, nets, pen
from models.device import DEVICES

# Per-dataset defaults: the architecture and recipe that give our best result there.
DEFAULTS = {
    "mnist": {
        "arch": "digitnet",
        "arch_args": {"width": 16},
        "epochs": 20,
        "augment": "digits",
        "lr": 3e-3,
        "batch_size": 128,
        "extras": "pen",
        "pen_share": 0.5,
    },
    "fashion-mnist": {"arch": "digitnet", "epochs": 15, "augment": "fashion", "lr": 3e-3, "batch_size": 128},
    "cifar10": {"arch": "cifar-cnn", "epochs": 10, "augment": "cifar", "lr": 1e-3, "batch_size": 64},
}


@dataclass(frozen=True)
class TrainConfig:
    """A training run. Fields left None take the data set's default (`resolved`)."""

    dataset: str = "mnist"
    arch: str | None = None
    arch_args: dict = field(default_factory=dict)
    epochs: int | None = None
    batch_size: int | None = None
    lr: float | None = None
    weight_decay: float = 1e-4
    label_smoothing: float = 0.05
    augment: str | None = None
    rotate: float | None = None  # the augmentation's largest turn either way, degrees (None: the preset's)
    extras: str | None = None  # "pen": MNIST train digits redrawn with a pen, the styles and fonts (models.pen)
    pen_share: float | None = None  # of the training digits, the share also redrawn with a pen
    hollow_share: float | None = None  # of the training fonts' digits, the share drawn hollow (outline fonts)
    lift_share: float | None = None  # of the digits redrawn with a pen, the share drawn with the pen lifted
    styles: str | None = None  # which of models.pen.STYLES are drawn: pen.STYLE_SETS' "first" (default) or "all"
    val_size: int = 5000
    patience: int = 0  # epochs without a better validation accuracy before stopping; 0: run the whole schedule
    target_accuracy: float | None = None
    seed: int = 1
    precision: str = "auto"  # auto: bf16 where the hardware runs it natively, else fp32
    device: str = "auto"
    threads: int | None = None
    data_root: Path = data.DEFAULT_ROOT
    out: Path | None = None
    runs_dir: Path = Path("runs")
    report: bool = True
    dry_run: bool = False
    finetune: Path | None = None  # start from this checkpoint's weights (and its arch, data set and recipe)
    extra: tuple[Path, ...] = ()  # data set files (models.feedback export) mixed into training
    teacher: Path | None = None  # a trained checkpoint whose softened answers the network also learns (distillation)
    distill_weight: float = 0.5  # with a teacher: the teacher's share of the loss (the labels have the rest)
    distill_temperature: float = 4.0  # with a teacher: both networks' logits are divided by this before comparing

    def resolved(self) -> TrainConfig:
        """The config with every default filled in (a dry run: one epoch)."""
        defaults = DEFAULTS[self.dataset]
        values = {
            key: getattr(self, key) if getattr(self, key) is not None else defaults.get(key)
            for key in ("arch", "epochs", "batch_size", "lr", "augment")
        }
        values["extras"] = self.extras if self.extras is not None else defaults.get("extras", "none")
        values["pen_share"] = self.pen_share if self.pen_share is not None else defaults.get("pen_share", 1.0)
        values["hollow_share"] = self.hollow_share or 0.0
        values["lift_share"] = self.lift_share or 0.0
        values["styles"] = self.styles or "first"
        if not self.arch_args and values["arch"] == defaults["arch"]:  # the default network, at its default size
            values["arch_args"] = defaults.get("arch_args", {})
        if self.dry_run:
            values["epochs"] = 1
        return replace(self, **values)

    @property
    def augment_config(self) -> augment.AugmentConfig:
        preset = augment.PRESETS[self.augment or "none"]
        return preset if self.rotate is None else replace(preset, rotate_deg=self.rotate)


def parser() -> argparse.ArgumentParser:
    """The command line of `python -m models.train`: one flag per TrainConfig field."""
    p = argparse.ArgumentParser(
        prog="python -m models.train",
        description="Train a network and write a "
        "self-describing checkpoint, its model card, its ONNX twin and a report folder.",
    )
    p.add_argument("--dataset", default="mnist", choices=list(data.DATASETS), help="data set (default: mnist)")
    p.add_argument("--arch", choices=list(nets.ARCHITECTURES), help="network (default: per data set)")
    p.add_argument(
        "--arch-arg",
        dest="arch_args",
        action="append",
        type=argtypes.key_value,
        default=[],
        metavar="K=V",
        help="constructor argument, repeatable (e.g. width=16)",
    )
    p.add_argument("--epochs", type=argtypes.COUNT, help="maximum epochs (default: per data set)")
    p.add_argument("--batch-size", type=argtypes.COUNT, help="mini-batch size (default: per data set)")
    p.add_argument(
        "--lr",
        type=argtypes.POSITIVE,
        help="peak learning rate of the one-cycle schedule (default: per data set)",
    )
    p.add_argument(
        "--weight-decay", type=argtypes.bounded(float, 0), default=1e-4, help="AdamW weight decay (default: 1e-4)"
    )
    p.add_argument(
        "--label-smoothing", type=argtypes.SHARE, default=0.05, help="cross-entropy label smoothing (default: 0.05)"
    )
    p.add_argument("--augment", choices=list(augment.PRESETS), help="augmentation preset (default: per data set)")
    p.add_argument(
        "--rotate",
        type=argtypes.DEGREES,
        metavar="DEG",
        help="the augmentation's largest turn either way, in degrees (default: the preset's; digits: 12)",
    )
    p.add_argument(
        "--extras",
        choices=["pen", "none"],
        help="extra training data: pen = MNIST digits redrawn with a pen, styles, fonts (default: per data set)",
    )
    p.add_argument(
        "--pen-share",
        type=argtypes.SHARE,
        help="with --extras pen: the share of training digits also redrawn with a pen (mnist: 0.5; shipped: 1)",
    )
    p.add_argument(
        "--hollow-share",
        type=argtypes.SHARE,
        help="with --extras pen: the share of the training fonts' digits drawn hollow, fattened and outlined as "
        "outline fonts draw them (default: 0; a fine-tune: the checkpoint's)",
    )
    p.add_argument(
        "--lift-share",
        type=argtypes.SHARE,
        help="with --extras pen: the share of digits redrawn with a pen that are drawn with the pen lifted, a "
        "stretch of the stroke missing (default: 0; a fine-tune: the checkpoint's)",
    )
    p.add_argument(
        "--styles",
        choices=list(pen.STYLE_SETS),
        help="with --extras pen: the styles drawn, first = a 1 with a flag (and a foot), a crossed 7, an open and a "
        "closed 4; all = also 1s whose foot hooks right (default: first; a fine-tune: the checkpoint's)",
    )
    p.add_argument(
        "--val-size",
        type=argtypes.COUNT,
        default=5000,
        help="training images held out for validation, at most a fifth of them (default: 5000)",
    )
    p.add_argument(
        "--patience",
        type=argtypes.bounded(int, 0),
        default=0,
        help="stop after this many epochs without a better validation accuracy (default: 0, never: the "
        "one-cycle schedule's last, low-rate epochs are its best)",
    )
    p.add_argument(
        "--target-accuracy",
        type=argtypes.bounded(float, 0, 1, above=True),
        help="stop as soon as validation accuracy reaches this",
    )
    p.add_argument("--seed", type=argtypes.SEED, default=1, help="random seed (default: 1)")
    p.add_argument(
        "--precision",
        default="auto",
        choices=["auto", "bf16", "fp32"],
        help="auto: bfloat16 autocast where the hardware runs it natively (AVX-512 BF16/AMX, recent GPUs), "
        "else fp32 (default: auto)",
    )
    p.add_argument("--device", default="auto", choices=DEVICES, help="auto picks CUDA when present")
    p.add_argument("--threads", type=argtypes.COUNT, help="CPU threads for torch (default: torch's choice)")
    p.add_argument("--data-root", type=Path, default=data.DEFAULT_ROOT, help="data root (default: ./data)")
    p.add_argument("--out", type=Path, help="checkpoint path (default: RUN_DIR/model.pt)")
    p.add_argument("--runs-dir", type=Path, default=Path("runs"), help="report folders go here (default: ./runs)")
    p.add_argument("--no-report", dest="report", action="store_false", help="skip the PNG report")
    p.add_argument("--dry-run", action="store_true", help="a tiny subset and one epoch: the whole path in seconds")
    p.add_argument("--finetune", type=Path, help="start from this checkpoint (its arch, data set and recipe)")
    p.add_argument(
        "--extra",
        action="append",
        type=Path,
        default=[],
        metavar="FILE",
        help="a data set file (python -m models.feedback export) to mix in, repeatable",
    )
    p.add_argument(
        "--teacher",
        type=Path,
        help="distil: also learn this trained checkpoint's softened answers on every training batch (same data set)",
    )
    p.add_argument(
        "--distill-weight",
        type=argtypes.SHARE,
        default=0.5,
        help="with --teacher: the teacher's share of the loss (default: 0.5)",
    )
    p.add_argument(
        "--distill-temperature",
        type=argtypes.POSITIVE,
        default=4.0,
        help="with --teacher: the temperature both networks' logits are softened by (default: 4)",
    )
    return p


def from_args(argv: list[str] | None = None) -> TrainConfig:
    """Parse the command line into a TrainConfig."""
    args = vars(parser().parse_args(argv))
    args["arch_args"] = dict(args["arch_args"])
    args["extra"] = tuple(args["extra"])
    known = {f.name for f in fields(TrainConfig)}
    return TrainConfig(**{k: v for k, v in args.items() if k in known})


def of_card(card: dict) -> TrainConfig:
    """The settings a checkpoint was trained with, as its model card records them (the shares of digits
    redrawn with a pen, lifted and of hollow font digits: in the card itself, or, for older cards, in the command
    recorded there, or none)."""
    command = shlex.split(card.get("command", ""))
    args = command[3:] if command[:3] == ["python", "-m", "models.train"] else ["--dataset", card["dataset"]]
    cfg = from_args(args).resolved()
    return replace(
        cfg,
        pen_share=card.get("pen_share", cfg.pen_share),
        hollow_share=card.get("hollow_share", 0.0),
        lift_share=card.get("lift_share", 0.0),
        styles=card.get("styles", "first"),
    )
