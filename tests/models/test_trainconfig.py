"""`python -m models.train`'s defaults are the shipped MNIST model's settings, and explicit flags win."""

from __future__ import annotations

from models.trainconfig import from_args


def test_mnist_defaults_are_the_shipped_models_settings():
    cfg = from_args(["--dataset", "mnist"]).resolved()
    assert (cfg.arch, cfg.arch_args, cfg.epochs, cfg.extras, cfg.pen_share) == (
        "digitnet",
        {"width": 16},
        20,
        "pen",
        0.5,
    )


def test_explicit_flags_override_the_defaults():
    cfg = from_args(["--arch-arg", "width=32", "--pen-share", "1", "--extras", "none"]).resolved()
    assert (cfg.arch_args, cfg.pen_share, cfg.extras) == ({"width": 32}, 1.0, "none")


def test_another_network_does_not_inherit_the_default_networks_arguments():
    assert from_args(["--arch", "lenet5"]).resolved().arch_args == {}
    assert from_args(["--dataset", "fashion-mnist"]).resolved().arch_args == {}
