"""Data sets: real files, checksums, counts, first labels; the CIFAR-10 loader on a generated archive."""

from __future__ import annotations

import pickle

import pytest

from harness.cifar import write_cifar
from models import data
from models.checkpoint import sha256_file


@pytest.mark.parametrize(
    "name, first_train, first_test",
    [("mnist", [5, 0, 4, 1, 9], [7, 2, 1, 0, 4]), ("fashion-mnist", [9, 0, 0, 3, 0], [9, 2, 1, 1, 6])],
)
def test_counts_and_first_labels(name, first_train, first_test):
    train_x, train_y = data.load(name, train=True)
    test_x, test_y = data.load(name, train=False)
    assert train_x.shape == (60000, 1, 28, 28) and test_x.shape == (10000, 1, 28, 28)
    assert train_y.tolist()[:5] == first_train and test_y.tolist()[:5] == first_test
    assert sorted(set(train_y.tolist())) == list(range(10))


def test_mnist_files_match_their_checksums():
    folder = data.fetch("mnist")
    for name, expected in data.MNIST_SHA256.items():
        assert sha256_file(folder / name) == expected


def test_torchvision_reads_the_fetched_layout():
    from torchvision import datasets

    ds = datasets.FashionMNIST(str(data.DEFAULT_ROOT), train=False, download=False)
    ours, _ = data.load("fashion-mnist", train=False)
    assert len(ds) == 10000 and (ds.data == ours[:, 0]).all()


def test_fetch_is_idempotent_and_returns_the_torchvision_folder():
    assert data.fetch("mnist") == data.DEFAULT_ROOT / "MNIST" / "raw"
    assert data.is_present("mnist")


def test_cifar_loader_reads_the_python_format(tmp_path):
    folder = write_cifar(tmp_path)
    x, y = data.load("cifar10", train=True, root=tmp_path)
    tx, ty = data.load("cifar10", train=False, root=tmp_path)
    assert x.shape == (300, 3, 32, 32) and tx.shape == (60, 3, 32, 32)
    with open(folder / "data_batch_1", "rb") as f:
        first = pickle.load(f, encoding="bytes")
    # channel-major rows: the first 1024 bytes are the red plane of image 0
    assert x[0, 0].flatten().tolist() == first[b"data"][0, :1024].tolist()
    assert y[:60].tolist() == first[b"labels"]


class Boom:
    def __reduce__(self):
        return (print, ("pwned",))


def test_cifar_loader_refuses_pickled_code(tmp_path):
    folder = write_cifar(tmp_path)
    with open(folder / "test_batch", "wb") as f:
        pickle.dump({b"data": Boom(), b"labels": []}, f)
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        data.load("cifar10", train=False, root=tmp_path)


def test_missing_cifar_says_what_to_do(tmp_path):
    with pytest.raises(data.DataUnavailable, match="cifar-10-batches-py"):
        data.load("cifar10", train=True, root=tmp_path)


def test_unknown_dataset_is_refused():
    with pytest.raises(ValueError, match="unknown data set"):
        data.load("svhn", train=True)
