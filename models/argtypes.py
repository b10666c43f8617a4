"""argparse types shared by the command lines (models/, bench/): a value out of its range is refused by argparse,
in one line that names the flag, before any work. Standard library only."""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any


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
SECONDS = bounded(float, 0, above=True)  # how long
SEED = bounded(int, 0, 2**63 - 1)  # what numpy and torch both take
DEGREES = bounded(float, 0, 180)  # the largest turn either way


def key_value(text: str) -> tuple[str, Any]:
    """K=V, V as JSON (16, 0.3, true)."""
    key, equals, value = text.partition("=")
    if not key or not equals:
        raise argparse.ArgumentTypeError(f"{text!r} is not K=V (e.g. width=16)")
    try:
        return key, json.loads(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: {value!r} is not a value (e.g. 16, 0.3, true)") from None


def setting(text: str) -> tuple[str, str]:
    """KEY=VALUE, the value as it is (an environment variable's)."""
    key, equals, value = text.partition("=")
    if not key or not equals:
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE (e.g. GUNICORN_THREADS=4)")
    return key, value


def checkpoint(text: str) -> Path:
    """A checkpoint file with its model card beside it (what the card says is checked where it is read)."""
    path = Path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"there is no checkpoint {text}")
    if not path.with_suffix(".json").is_file():
        raise argparse.ArgumentTypeError(f"{text} has no model card ({path.with_suffix('.json')})")
    return path
