"""What a fine-tune is: the settings it inherits from its checkpoint, what it changed (before and after), and
the steps (its base's command, any fine-tunes between, then its own) that remake it."""

from __future__ import annotations

import shlex
import sys
from dataclasses import replace
from pathlib import Path

from models import checkpoint, data
from models.evaluate import evaluate
from models.splits import Splits
from models.trainconfig import TrainConfig, of_card


def before_after(cfg: TrainConfig, splits: Splits, model, info: data.DatasetInfo, test_acc: float) -> dict:
    """What a fine-tune changed: accuracy on the held-out corrections and on the test set, before and after;
    and where it started: the checkpoint, its sha256 and the command that made it."""
    before_model, _ = checkpoint.load(cfg.finetune, map_location=splits.test_x.device)
    before = checkpoint.read_card(cfg.finetune)
    n = len(info.classes)
    figures = {
        "from": str(cfg.finetune),
        "from_sha256": before["sha256"],
        "from_command": before.get("command"),
        "from_commands": commands(before),  # every command that made it, in turn (it may be a fine-tune too)
        "corrections_held_out": 0 if splits.held_x is None else len(splits.held_x),
        "test_before": evaluate(before_model, splits.test_x, splits.test_y, info.mean, info.std, n)[1],
        "test_after": test_acc,
    }
    if splits.held_x is not None and len(splits.held_x):
        figures["held_out_before"] = evaluate(before_model, splits.held_x, splits.held_y, info.mean, info.std, n)[1]
        figures["held_out_after"] = evaluate(model, splits.held_x, splits.held_y, info.mean, info.std, n)[1]
        print(
            f"held-out corrections ({len(splits.held_x)}): accuracy {figures['held_out_before']:.4f} before, "
            f"{figures['held_out_after']:.4f} after"
        )
    print(f"test set: accuracy {figures['test_before']:.4f} before, {figures['test_after']:.4f} after")
    return figures


def config(cfg: TrainConfig) -> TrainConfig:
    """For a fine-tune, the checkpoint decides what is trained, and on what: its data set, arch, extras and
    shares of digits redrawn with a pen, drawn with the pen lifted and drawn hollow, its styles, unless the command line
    says otherwise."""
    if not cfg.finetune:
        return cfg
    source = checkpoint.read_card(cfg.finetune)
    trained = of_card(source)
    return replace(
        cfg,
        dataset=source["dataset"],
        arch=source["arch"],
        extras=cfg.extras or source.get("extras"),
        pen_share=cfg.pen_share if cfg.pen_share is not None else trained.pen_share,
        hollow_share=cfg.hollow_share if cfg.hollow_share is not None else trained.hollow_share,
        lift_share=cfg.lift_share if cfg.lift_share is not None else trained.lift_share,
        styles=cfg.styles or trained.styles,
    )


def commands(card: dict) -> list[str] | None:
    """The `python -m models.train` commands that made the checkpoint of `card`, in turn: for a fine-tune, those
    that made the checkpoint it started from first; None where the card does not record them all."""
    tuned = card.get("finetune")
    if not tuned:
        return [card["command"]] if card.get("command") else None
    before = tuned.get("from_commands") or ([tuned["from_command"]] if tuned.get("from_command") else None)
    return [*before, card["command"]] if before and card.get("command") else None


def steps(card: dict, out: str) -> list[list[str]]:
    """The `python -m models.train` arguments that remake the checkpoint of `card` at `out`, in turn: the base
    first if it is a fine-tune (the base written to `out`, then each fine-tune made there, in place)."""
    made_by = commands(card)
    if made_by is None:
        raise SystemExit("error: this fine-tune's card does not record the commands that made its base")
    result = []
    for command in made_by:
        args = [  # after "python -m models.train"; --flag=value spelled as two words, as argparse reads it
            word for arg in shlex.split(command)[3:] for word in (arg.split("=", 1) if arg[:2] == "--" else [arg])
        ]
        if "--out" in args:
            del args[args.index("--out") : args.index("--out") + 2]
        if "--finetune" in args:
            args[args.index("--finetune") + 1] = out
        result.append(args)
    return result


if __name__ == "__main__":  # python -m models.finetune --steps CHECKPOINT OUT: one line of arguments a step
    if len(sys.argv) != 4 or sys.argv[1] != "--steps":
        raise SystemExit("usage: python -m models.finetune --steps CHECKPOINT OUT")
    try:
        card = checkpoint.read_card(Path(sys.argv[2]))
    except checkpoint.CheckpointError as exc:
        raise SystemExit(f"error: {exc}") from None
    for args in steps(card, sys.argv[3]):
        print(shlex.join(args))
