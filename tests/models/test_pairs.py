"""The pair reader (models/pairs.py): its trainer writes a twin the server loads, and the shipped one reads
touching MNIST test digits drawn with a pen."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from backend.pairs import PairReader
from harness import ROOT
from models import data, numbers, pairs, pen, recipe

SHIPPED = ROOT / "models" / "checkpoints" / "mnist-pairs.pt"


def test_a_dry_run_writes_a_pair_reader_the_server_loads(tmp_path):
    out = tmp_path / "pairs.pt"
    card = pairs.main(["--dry-run", "--out", str(out)])
    assert card["input_shape"] == [1, *recipe.PAIR_FIELD] and card["onnx"]["sha256"]
    two, first, second = PairReader(out).read([np.pad(np.full((40, 8), 255, np.uint8), 20)])
    assert two.shape == (1,) and first.shape == second.shape == (1, 10)
    assert np.allclose(first.sum(1), 1) and 0 <= two[0] <= 1
    assert card["metrics"]["device"] == ("cpu" if not torch.cuda.is_available() else torch.cuda.get_device_name(0))


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_asking_for_a_gpu_where_there_is_none_is_a_one_line_error(tmp_path):
    with pytest.raises(SystemExit, match="^error: cuda was asked for but no CUDA device is available$"):
        pairs.main(["--dry-run", "--device", "cuda", "--out", str(tmp_path / "pairs.pt")])
    assert not (tmp_path / "pairs.pt").exists()


@pytest.mark.parametrize("pen_range", [numbers.PEN, (0.15, 0.25)])  # the benchmark's pens, and thick ones
def test_the_shipped_pair_reader_reads_touching_test_digits_and_keeps_single_ones(pen_range):
    images, labels = data.load("mnist", train=False)
    fields, truth = numbers.group_set(images[:2000, 0].numpy(), labels[:2000].numpy(), 400, 5, pen_range=pen_range)
    two, first, second = PairReader(SHIPPED).heads(fields)
    pair = truth[:, 0] == 1
    assert (two[~pair] < 0.5).mean() >= 0.98  # one digit stays one
    read = (two > 0.5) & (first.argmax(1) == truth[:, 1]) & (second.argmax(1) == truth[:, 2])
    assert read[pair].mean() >= 0.9  # two touching digits read as the two they are


def test_the_pair_reader_reads_one_touching_pair_through_the_server_recipe():
    images, labels = data.load("mnist", train=False)
    rng = np.random.default_rng(3)
    strokes = [pen.skeleton_strokes(images[i, 0].numpy()) for i in (0, 1)]  # a 7 and a 2
    placed, width, canvas = numbers.layout(strokes, rng, touch=0)
    two, first, second = PairReader(SHIPPED).read([pen.ink([s for d in placed for s in d], width, canvas)])
    assert two[0] > 0.5 and (first[0].argmax(), second[0].argmax()) == (labels[0], labels[1])
