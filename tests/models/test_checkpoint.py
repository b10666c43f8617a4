"""Checkpoints: round trip under weights_only, the model card, and refusal of unsafe or damaged files."""

from __future__ import annotations

import json
import pickle

import pytest
import torch

from models import checkpoint, nets

META = {
    "arch": "lenet5",
    "arch_args": {"in_channels": 1, "image_size": 28, "num_classes": 10},
    "dataset": "mnist",
    "classes": list("0123456789"),
    "input_shape": [1, 28, 28],
    "mean": [0.1307],
    "std": [0.3081],
    "preprocess": "mnist-digit",
    "metrics": {"test_accuracy": 0.5},
    "seed": 3,
    "command": "python -m models.train --arch lenet5",
    "versions": checkpoint.versions(),
}


@pytest.fixture()
def saved(tmp_path):
    torch.manual_seed(0)
    model = nets.build("lenet5").eval()
    path = tmp_path / "m.pt"
    card = checkpoint.save(path, model, META)
    return path, model, card


def test_round_trip_under_weights_only(saved):
    path, model, card = saved
    raw = torch.load(path, weights_only=True)  # plain data + tensors only
    assert raw["arch"] == "lenet5" and raw["format_version"] == checkpoint.FORMAT_VERSION
    loaded, meta = checkpoint.load(path)
    x = torch.randn(2, 1, 28, 28)
    assert torch.equal(loaded(x), model(x))
    assert meta["classes"] == META["classes"] and "state_dict" not in meta


def test_card_describes_the_file(saved):
    path, _, card = saved
    on_disk = json.loads(checkpoint.card_path(path).read_text())
    assert on_disk == card
    assert card["sha256"] == checkpoint.sha256_file(path)
    assert card["parameters"] == sum(p.numel() for p in nets.build("lenet5").parameters())


def test_compiled_prefix_is_stripped(tmp_path):
    model = nets.build("mlp")
    wrapper = torch.nn.Module()
    wrapper._orig_mod = model
    assert all(not k.startswith("_orig_mod.") for k in checkpoint.clean_state_dict(wrapper))


def test_tampered_file_is_refused(saved):
    path, _, _ = saved
    blob = bytearray(path.read_bytes())
    blob[-100] ^= 0xFF
    path.write_bytes(bytes(blob))
    with pytest.raises(checkpoint.CheckpointError, match="sha256"):
        checkpoint.load(path)


def test_truncated_file_is_refused_even_without_a_card_check(saved):
    path, _, _ = saved
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(checkpoint.CheckpointError):
        checkpoint.load(path)
    with pytest.raises(checkpoint.CheckpointError, match="cannot be loaded safely"):
        checkpoint.load(path, verify=False)


class Payload:
    def __reduce__(self):
        return (print, ("code ran",))


def test_pickled_object_is_refused_even_with_a_matching_card(saved, capsys):
    path, _, _ = saved
    ckpt = torch.load(path, weights_only=True)
    ckpt["extra"] = Payload()
    torch.save(ckpt, path, pickle_protocol=pickle.DEFAULT_PROTOCOL)
    card = json.loads(checkpoint.card_path(path).read_text())
    card["sha256"] = checkpoint.sha256_file(path)  # an attacker who rewrites the card too
    checkpoint.card_path(path).write_text(json.dumps(card))
    with pytest.raises(checkpoint.CheckpointError, match="weights_only"):
        checkpoint.load(path)
    assert "code ran" not in capsys.readouterr().out


def test_missing_card_is_refused(saved):
    path, _, _ = saved
    checkpoint.card_path(path).unlink()
    with pytest.raises(checkpoint.CheckpointError, match="model card"):
        checkpoint.load(path)


def test_incomplete_metadata_is_refused_at_save(tmp_path):
    with pytest.raises(ValueError, match="classes"):
        checkpoint.save(tmp_path / "x.pt", nets.build("mlp"), {k: v for k, v in META.items() if k != "classes"})
