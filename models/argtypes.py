"""argparse types shared by the command lines (models/, bench/): a value out of its range is refused by argparse,
in one line that names the flag, before any work. No torch: a bench that starts a server imports it cheaply."""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from models.runtime import card_path


def bounded(kind: type, low: float, high: float = math.inf, *, above: bool = False) -> Callable[[str], Any]:
    """An int or float (`kind`) from `low` (or more than `low`, `above`) to `high`, finite."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not {'a whole number' if kind is int else 'a number'}"
            ) from None
        finite = kind is int or math.isfinite(value)  # (an int of any size is finite, and may not fit a float)
        if not (finite and (value > low if above else value >= low) and value <= high):
            bounds = (f"more than {low}" if above else f"at least {low}") + (
                f" and at most {high}" if high < math.inf else ""
            )
            raise argparse.ArgumentTypeError(f"{text} is not {bounds}")
        return value

    return parse


COUNT = bounded(int, 1)  # how many of something
SHARE = bounded(float, 0, 1)  # a fraction of something
POSITIVE = bounded(float, 0, above=True)  # a rate, a scale
SECONDS = POSITIVE  # how long
SEED = bounded(int, 0, 2**63 - 1)  # what numpy and torch both take
DEGREES = bounded(float, 0, 180)  # the largest turn either way


def _pair(text: str, form: str, example: str) -> tuple[str, str]:
    """FORM (K=V or KEY=VALUE) split at its first "=", or the argparse error that names the form."""
    key, equals, value = text.partition("=")
    if not key or not equals:
        raise argparse.ArgumentTypeError(f"{text!r} is not {form} (e.g. {example})")
    return key, value


def key_value(text: str) -> tuple[str, Any]:
    """K=V, V as JSON (16, 0.3, true)."""
    key, value = _pair(text, "K=V", "width=16")
    try:
        return key, json.loads(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: {value!r} is not a value (e.g. 16, 0.3, true)") from None


def setting(text: str) -> tuple[str, str]:
    """KEY=VALUE, the value as it is (an environment variable's)."""
    return _pair(text, "KEY=VALUE", "GUNICORN_THREADS=4")


def checkpoint(text: str) -> Path:
    """A checkpoint file with its model card beside it (what the card says is checked where it is read)."""
    path, card = Path(text), card_path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"there is no checkpoint {text}")
    if not card.is_file():
        raise argparse.ArgumentTypeError(f"{text} has no model card ({card})")
    return path
