"""The CLIs end to end: train --dry-run (MNIST and a generated CIFAR-10), evaluate, show."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch

from harness.cifar import write_cifar
from models import checkpoint, evaluate, runtime, show, train

REPORTS = ["curves.png", "confusion.png", "misclassified.png", "batch_preview.png", "metrics.json"]


@pytest.fixture(scope="module")
def dry_run(tmp_path_factory):
    runs = tmp_path_factory.mktemp("runs")
    out = runs / "dry.pt"
    card = train.main(["--dry-run", "--runs-dir", str(runs), "--out", str(out), "--seed", "7"])
    return runs, out, card


def test_dry_run_writes_checkpoint_card_and_reports(dry_run):
    runs, out, card = dry_run
    assert out.is_file() and checkpoint.card_path(out).is_file()
    (run_dir,) = [p for p in runs.iterdir() if p.is_dir()]
    for name in REPORTS:
        assert (run_dir / name).stat().st_size > 0, name
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["epochs_run"] == 1 and len(metrics["history"]["val_acc"]) == 1
    assert card["seed"] == 7 and "--dry-run" in card["command"] and card["versions"]["torch"]
    assert card["preprocess"] == "mnist-digit" and card["mean"] == [0.1307]
    assert runtime.read_twin(out) is not None and card["onnx"]["max_probability_difference"] < 1e-4
    assert len(card["onnx"]["probe"]["probabilities"]) == runtime.PROBES


def test_dry_run_is_reproducible(dry_run, tmp_path):
    _, out, _ = dry_run
    again = tmp_path / "again.pt"
    train.main(["--dry-run", "--runs-dir", str(tmp_path), "--out", str(again), "--seed", "7", "--no-report"])
    a = torch.load(out, weights_only=True)["state_dict"]
    b = torch.load(again, weights_only=True)["state_dict"]
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_a_distilled_run_records_its_teacher_and_learns_from_it(dry_run, tmp_path):
    _, teacher, _ = dry_run
    student = tmp_path / "student.pt"
    args = ["--dry-run", "--runs-dir", str(tmp_path), "--out", str(student), "--seed", "7", "--no-report"]
    card = train.main([*args, "--teacher", str(teacher), "--distill-weight", "0.7", "--distill-temperature", "3"])
    assert card["teacher"]["sha256"] == checkpoint.read_card(teacher)["sha256"]
    assert (card["teacher"]["weight"], card["teacher"]["temperature"]) == (0.7, 3.0)
    # the same seed without a teacher gave the teacher's own weights: with one, the student learnt otherwise
    a = torch.load(teacher, weights_only=True)["state_dict"]
    b = torch.load(student, weights_only=True)["state_dict"]
    assert not all(torch.equal(a[k], b[k]) for k in a)


def test_a_teacher_with_other_classes_is_refused_before_any_training(tmp_path, capsys):
    pairs = "models/checkpoints/mnist-pairs.pt"  # 22 outputs in three heads, not ten digits
    with pytest.raises(SystemExit, match="22 classes"):
        train.main(["--dry-run", "--runs-dir", str(tmp_path), "--teacher", pairs, "--no-report"])
    assert "training" not in capsys.readouterr().out and not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    "args, says",
    [
        (["--arch-arg", "depth=3"], "digitnet takes no argument depth"),
        (["--finetune", "README.md"], "model card README.json is missing"),
        (["--extra", "no-such-corrections.npz"], "no such data set file"),
        (["--out", "models"], "is a folder"),
        (["--out", "/proc/mnist.pt"], "cannot write a checkpoint in /proc"),
    ],
)
def test_a_train_command_naming_what_cannot_be_used_stops_in_one_line_before_training(args, says, tmp_path, capsys):
    with pytest.raises(SystemExit, match="^error: ") as stop:
        train.main(["--dry-run", "--runs-dir", str(tmp_path), "--no-report", *args])
    assert says in str(stop.value) and "\n" not in str(stop.value)
    assert "training" not in capsys.readouterr().out and not list(tmp_path.iterdir())


def test_an_extra_file_that_is_not_an_export_is_refused_in_one_line(tmp_path):
    not_an_export = tmp_path / "x.npz"
    torch.save({"x": 1}, not_an_export)
    with pytest.raises(SystemExit, match=f"^error: {not_an_export} is not a data set file"):
        train.main(["--dry-run", "--runs-dir", str(tmp_path / "runs"), "--no-report", "--extra", str(not_an_export)])


@pytest.mark.parametrize("cli", ["export", "webreport"])
def test_export_and_webreport_say_in_one_line_that_a_checkpoint_is_missing(cli):
    done = subprocess.run(
        [sys.executable, "-m", f"models.{cli}", "no-such.pt"], capture_output=True, text=True, timeout=120
    )
    said = done.stderr.strip()
    assert done.returncode == 1 and said.startswith("error: ") and "no-such" in said and "\n" not in said


def test_evaluate_refuses_the_pair_reader_and_a_device_it_does_not_know_in_one_line():
    for args, says in [
        (["models/checkpoints/mnist-pairs.pt"], "error: models/checkpoints/mnist-pairs.pt is the pair reader"),
        (["models/checkpoints/mnist-digitnet.pt", "--device", "gpu0"], "argument --device: invalid choice: 'gpu0'"),
    ]:
        done = subprocess.run(
            [sys.executable, "-m", "models.evaluate", *args], capture_output=True, text=True, timeout=120
        )
        assert done.returncode in (1, 2) and says in done.stderr and "Traceback" not in done.stderr


def test_evaluate_cli_ends_with_the_accuracy_line(dry_run):
    _, out, card = dry_run
    result = subprocess.run(
        [sys.executable, "-m", "models.evaluate", str(out)], capture_output=True, text=True, check=True
    )
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("test accuracy: ")
    measured = evaluate.evaluate_checkpoint(out)["test_accuracy"]
    assert float(last.split(": ")[1]) == pytest.approx(measured, abs=1e-4)


def test_show_saves_the_play_with_the_model_picture(dry_run, tmp_path):
    _, out, _ = dry_run
    picture = tmp_path / "show.png"
    show.main([str(out), "--index", "3", "--out", str(picture)])
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cifar_reference_network_trains_on_a_generated_archive(tmp_path):
    write_cifar(tmp_path, per_batch=80)
    out = tmp_path / "cifar.pt"
    card = train.main(
        [
            "--dataset",
            "cifar10",
            "--dry-run",
            "--data-root",
            str(tmp_path),
            "--runs-dir",
            str(tmp_path / "runs"),
            "--out",
            str(out),
        ]
    )
    assert card["arch"] == "cifar-cnn" and card["input_shape"] == [3, 32, 32]
    model, meta = checkpoint.load(out)
    assert model(torch.zeros(1, 3, 32, 32)).shape == (1, 10) and meta["classes"][0] == "airplane"


@pytest.mark.parametrize("arch", ["mlp", "lenet5", "s0-cnn", "fashion-cnn"])
def test_each_reference_network_trains_from_the_cli(arch, tmp_path):
    dataset = "fashion-mnist" if arch == "fashion-cnn" else "mnist"
    args = ["--dataset", dataset, "--arch", arch, "--dry-run", "--batch-size", "32", "--no-report"]
    card = train.main([*args, "--runs-dir", str(tmp_path)])
    # 16 steps on 512 real images: clearly better than an untrained network (loss ln 10 = 2.30, accuracy 0.1)
    assert card["arch"] == arch and card["metrics"]["test_loss"] < 2.25 and card["metrics"]["test_accuracy"] > 0.18
