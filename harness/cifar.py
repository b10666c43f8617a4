"""A small archive in the real CIFAR-10 python format (CIFAR-10 has no offline source here)."""

from __future__ import annotations

import pickle

import numpy as np

from models import data


def write_cifar(root, per_batch=60, seed=0):
    """A small archive in the real CIFAR-10 python format: pickled dicts of uint8 rows + labels."""
    rng = np.random.default_rng(seed)
    folder = root / data.CIFAR_DIR
    folder.mkdir(parents=True)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {
            b"batch_label": name.encode(),
            b"labels": rng.integers(0, 10, per_batch).tolist(),
            b"data": rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8),
            b"filenames": [f"{i}.png".encode() for i in range(per_batch)],
        }
        with open(folder / name, "wb") as f:
            pickle.dump(batch, f, protocol=2)
    return folder
