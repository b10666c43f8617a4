"""Generated training arrays, made once and kept as .npz files under a key of everything that made them."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

Arrays = tuple[np.ndarray, np.ndarray]


def cached(folder: Path | None, prefix: str, inputs: tuple, params: tuple, make: Callable[[], Arrays]) -> Arrays:
    """(x, y) from `folder`/PREFIX-KEY.npz, KEY a hash of the `inputs` arrays and `params`; made by `make()` and
    saved there when missing (never saved when `folder` is None)."""
    key = hashlib.sha256(b"".join(a.tobytes() for a in inputs) + repr(params).encode()).hexdigest()[:16]
    path = folder / f"{prefix}-{key}.npz" if folder else None
    if path and path.is_file():
        with np.load(path) as saved:
            return saved["x"], saved["y"]
    x, y = make()
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, x=x, y=y)
    return x, y
