"""`python -m models.train`'s defaults are the shipped MNIST model's settings (but the share redrawn), and explicit
flags win."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from harness import MNIST_CKPT
from models import augment, checkpoint, finetune
from models.trainconfig import from_args


def test_mnist_defaults_are_the_shipped_models_settings_but_the_share_redrawn():
    """The shipped model's base network redraws every training digit with a pen; the default, half of them (one
    epoch of it reaches 99% sooner: bench/train_speed.py races the default). (The shipped model is that base,
    fine-tuned: its card names both commands.)"""
    base_args = finetune.steps(checkpoint.read_card(MNIST_CKPT), "runs/again.pt")[0]
    shipped = from_args(base_args).resolved()
    default = from_args(["--dataset", "mnist"]).resolved()
    for key in ("dataset", "arch", "arch_args", "epochs", "augment", "lr", "batch_size", "extras"):
        assert getattr(default, key) == getattr(shipped, key), key
    assert (default.pen_share, shipped.pen_share) == (0.5, 1.0)


def test_explicit_flags_override_the_defaults():
    cfg = from_args(["--arch-arg", "width=32", "--pen-share", "0.5", "--extras", "none"]).resolved()
    assert (cfg.arch_args, cfg.pen_share, cfg.extras) == ({"width": 32}, 0.5, "none")
    assert from_args([]).resolved().hollow_share == 0.0
    assert from_args(["--hollow-share", "0.15"]).resolved().hollow_share == 0.15
    assert from_args([]).resolved().lift_share == 0.0
    assert from_args(["--lift-share", "0.25"]).resolved().lift_share == 0.25
    assert from_args([]).resolved().styles == "first"
    assert from_args(["--styles", "all"]).resolved().styles == "all"


def test_another_network_does_not_inherit_the_default_networks_arguments():
    assert from_args(["--arch", "lenet5"]).resolved().arch_args == {}
    assert from_args(["--dataset", "fashion-mnist"]).resolved().arch_args == {}


def test_a_fine_tune_trains_on_what_its_checkpoint_was_trained_on():
    cfg = finetune.config(from_args(["--finetune", str(MNIST_CKPT), "--epochs", "2"])).resolved()
    assert (cfg.dataset, cfg.arch, cfg.extras, cfg.pen_share, cfg.epochs) == ("mnist", "digitnet", "pen", 1.0, 2)
    mine = finetune.config(from_args(["--finetune", str(MNIST_CKPT), "--pen-share", "0.25"])).resolved()
    assert mine.pen_share == 0.25


@pytest.mark.parametrize("share", ["hollow_share", "lift_share"])
def test_a_fine_tune_keeps_its_checkpoints_share_of_hollow_and_lifted_digits(tmp_path, share):
    card = {**checkpoint.read_card(MNIST_CKPT), share: 0.3}
    (tmp_path / "m.json").write_text(json.dumps(card))
    (tmp_path / "none.json").write_text(json.dumps({k: v for k, v in card.items() if k != share}))  # an older card
    flag = "--" + share.replace("_", "-")
    assert getattr(finetune.config(from_args(["--finetune", str(tmp_path / "m.pt")])).resolved(), share) == 0.3
    assert getattr(finetune.config(from_args(["--finetune", str(tmp_path / "none.pt")])).resolved(), share) == 0.0
    again = finetune.config(from_args(["--finetune", str(tmp_path / "m.pt"), flag, "0"])).resolved()
    assert getattr(again, share) == 0.0


def test_a_fine_tune_draws_its_checkpoints_styles_and_an_older_card_the_first_five(tmp_path):
    card = {**checkpoint.read_card(MNIST_CKPT), "styles": "all"}
    (tmp_path / "m.json").write_text(json.dumps(card))
    (tmp_path / "old.json").write_text(json.dumps({k: v for k, v in card.items() if k != "styles"}))
    assert finetune.config(from_args(["--finetune", str(tmp_path / "m.pt")])).resolved().styles == "all"
    assert finetune.config(from_args(["--finetune", str(tmp_path / "old.pt")])).resolved().styles == "first"
    again = finetune.config(from_args(["--finetune", str(tmp_path / "m.pt"), "--styles", "first"])).resolved()
    assert again.styles == "first"


def test_a_fine_tunes_card_remakes_it_in_two_steps_base_first():
    card = {
        "command": "python -m models.train --finetune models/checkpoints/m.pt --epochs 3 --out models/checkpoints/m.pt",
        "finetune": {"from_command": "python -m models.train --dataset mnist --seed 2 --out models/checkpoints/m.pt"},
    }
    base, tune = finetune.steps(card, "runs/again.pt")
    assert base == ["--dataset", "mnist", "--seed", "2"]
    assert tune == ["--finetune", "runs/again.pt", "--epochs", "3"]
    assert finetune.steps({"command": card["finetune"]["from_command"]}, "runs/again.pt") == [base]
    typed = {"command": "python -m models.train --finetune=models/checkpoints/m.pt --out=models/checkpoints/m.pt"}
    assert finetune.steps({**typed, "finetune": card["finetune"]}, "runs/again.pt")[1] == [
        "--finetune",
        "runs/again.pt",
    ]
    with pytest.raises(SystemExit, match="does not record"):
        finetune.steps({**card, "finetune": {"from_sha256": "0" * 64}}, "runs/again.pt")


def test_a_fine_tune_of_a_fine_tune_is_remade_base_first_then_each_fine_tune_in_turn():
    base = "python -m models.train --dataset mnist --seed 2 --out m.pt"
    first = "python -m models.train --finetune m.pt --epochs 3 --out m.pt"
    card = {"command": "python -m models.train --finetune m.pt --rotate 20 --out m.pt"}
    card["finetune"] = {"from_command": first, "from_commands": [base, first]}
    assert finetune.steps(card, "again.pt") == [
        ["--dataset", "mnist", "--seed", "2"],
        ["--finetune", "again.pt", "--epochs", "3"],
        ["--finetune", "again.pt", "--rotate", "20"],
    ]
    assert finetune.commands({"command": first, "finetune": {"from_command": base}}) == [base, first]
    assert finetune.commands({"command": first, "finetune": {"from_sha256": "0" * 64}}) is None


def test_the_shipped_mnist_checkpoint_names_every_step_that_made_it():
    card = checkpoint.read_card(MNIST_CKPT)
    first, *then = finetune.steps(card, "runs/again.pt")
    assert from_args(first).finetune is None  # the base is trained from scratch
    for args in then:  # and each fine-tune starts from what the step before made
        assert from_args(args).finetune == Path("runs/again.pt")


def test_rotate_widens_the_augmentations_turn_and_changes_nothing_else():
    digits = augment.PRESETS["digits"]
    assert from_args([]).resolved().augment_config == digits
    assert from_args(["--rotate", "20"]).resolved().augment_config == replace(digits, rotate_deg=20.0)


BAD_VALUES = [
    ("--rotate", "-1"),
    ("--rotate", "181"),
    ("--rotate", "twenty"),
    ("--epochs", "0"),
    ("--batch-size", "-5"),
    ("--lr", "0"),
    ("--lr", "nan"),
    ("--weight-decay", "-1"),
    ("--label-smoothing", "1.5"),
    ("--pen-share", "2"),
    ("--hollow-share", "-0.1"),
    ("--lift-share", "inf"),
    ("--val-size", "0"),
    ("--patience", "-1"),
    ("--target-accuracy", "1.2"),
    ("--seed", "-1"),
    ("--threads", "0"),
    ("--distill-weight", "3"),
    ("--distill-temperature", "0"),
    ("--arch-arg", "width"),
    ("--arch-arg", "width=sixteen"),
]


@pytest.mark.parametrize("flag, value", BAD_VALUES)
def test_a_value_out_of_its_range_is_refused_naming_its_flag(flag, value, capsys):
    with pytest.raises(SystemExit):
        from_args([flag, value])
    err = capsys.readouterr().err
    assert f"argument {flag}: " in err and value in err and "Traceback" not in err


def test_values_in_range_are_taken_as_numbers():
    cfg = from_args(["--epochs", "3", "--lr", "1e-3", "--pen-share", "1", "--seed", "0", "--arch-arg", "width=24"])
    assert (cfg.epochs, cfg.lr, cfg.pen_share, cfg.seed, cfg.arch_args) == (3, 1e-3, 1.0, 0, {"width": 24})
