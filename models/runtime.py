"""What serving needs, without torch: the model card, the ONNX twin and its session, the probe check.

A checkpoint `NAME.pt` travels with its model card `NAME.json` (everything needed to feed and
describe the network: arch, classes, input shape, mean/std, recipe, metrics, sha256s) and its
ONNX twin `NAME.onnx`. A CPU server needs only the card and the twin: the twin's sha256 must be
the card's, and on fixed probe inputs it must give the probabilities that the checkpoint gave
when it was exported (recorded in the card by `models.export`), or the model is refused.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

TOLERANCE = 1e-4  # largest difference in any probability between the twin and its checkpoint
PROBES = 8  # probe inputs: one of zeros, the rest uniform noise at the scale of normalised images

# ONNX Runtime 1.32 starts a telemetry thread (and a database under ~/.cache) when it is imported,
# unless this is set by then. A gunicorn worker forked from the master inherits that thread's
# state without the thread and hangs in ORT's exit handlers until the master SIGKILLs it: every
# shutdown took graceful_timeout (20 s) and requests queued meanwhile were never answered.
os.environ["ORT_DISABLE_TELEMETRY"] = "1"


class CheckpointError(RuntimeError):
    """A checkpoint, model card or ONNX twin that is missing, corrupt, tampered with or not of our format."""


def card_path(path: Path) -> Path:
    """The model card that belongs to checkpoint `path`."""
    return Path(path).with_suffix(".json")


def onnx_path(path: Path) -> Path:
    """The ONNX twin that belongs to checkpoint `path`."""
    return Path(path).with_suffix(".onnx")


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_card(path: Path) -> dict[str, Any]:
    """The model card beside checkpoint `path`."""
    try:
        card = json.loads(card_path(path).read_text())
    except FileNotFoundError:
        raise CheckpointError(f"model card {card_path(path)} is missing") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"model card {card_path(path)} is not valid JSON: {exc}") from None
    if not isinstance(card, dict):
        raise CheckpointError(f"model card {card_path(path)} is not a JSON object")
    return card


def read_twin(path: Path) -> bytes | None:
    """The ONNX twin of checkpoint `path` as bytes, checked against its card; None when the card names none."""
    entry = read_card(path).get("onnx")
    if not entry:
        return None
    twin = onnx_path(path)
    if not isinstance(entry, dict) or entry.get("file") != twin.name:
        raise CheckpointError(f"model card {card_path(path)} names an ONNX twin other than {twin.name}")
    try:
        data = twin.read_bytes()
    except FileNotFoundError:
        raise CheckpointError(f"ONNX twin {twin} named by its model card is missing") from None
    actual = hashlib.sha256(data).hexdigest()
    if actual != entry.get("sha256"):
        raise CheckpointError(f"ONNX twin {twin} has sha256 {actual}, its model card says {entry.get('sha256')}")
    return data


def probe_inputs(input_shape: list[int], n: int = PROBES) -> np.ndarray:
    """(n, *input_shape) float32: zeros; uniform noise in [-3, 3); and (the second half) blocky two-level
    patterns, which networks read as different classes (plain noise tends to get one answer throughout).

    Made by splitmix64 in exact integer arithmetic, so every machine and numpy version makes the
    same numbers (numpy's own generators promise no stable stream across versions)."""
    size = math.prod(input_shape)
    with np.errstate(over="ignore"):  # uint64 products wrap around, as splitmix64 wants
        z = np.arange(1, (n - 1) * size + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
    noise = ((z >> np.uint64(40)).astype(np.float64) / float(1 << 24) * 6 - 3).astype(np.float32)
    out = np.concatenate([np.zeros(size, np.float32), noise]).reshape(n, *input_shape)
    height, width = input_shape[-2:]
    for k in range(n // 2, n):
        block = 3 + k % 2
        rows, cols = np.arange(height) // block * block, np.arange(width) // block * block
        out[k] = np.where(out[k][..., rows[:, None], cols[None, :]] > 1.5, 2.8, -0.4)
    return out


def normalise(images, mean: list[float], std: list[float]):
    """Images (..., C, H, W) -> the network's input: (x - mean) / std per channel, as float32.

    uint8 images are 0-255, float ones [0, 1]. numpy arrays (serving) and torch tensors (training,
    evaluation) alike, on the tensor's own device: the one definition of the normalisation."""
    mean32 = np.asarray(mean, np.float32).reshape(-1, 1, 1)
    std32 = np.asarray(std, np.float32).reshape(-1, 1, 1)
    if isinstance(images, np.ndarray):
        x = images.astype(np.float32) * np.float32(1 / 255) if images.dtype == np.uint8 else images.astype(np.float32)
        return (x - mean32) / std32
    x = images.float() / 255 if not images.is_floating_point() else images.float()  # a torch tensor
    return (x - x.new_tensor(mean32)) / x.new_tensor(std32)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax in float64."""
    z = logits.astype(np.float64)
    z = np.exp(z - z.max(1, keepdims=True))
    return z / z.sum(1, keepdims=True)


def session(data: bytes, threads: int = 1):
    """An ONNX Runtime CPU session over model bytes (never a path: no external data is read)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # idle workers must not spin
    options.log_severity_level = 3
    return ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])


def logits(sess, inputs: np.ndarray, input_name: str | None = None) -> np.ndarray:
    """(B, C, H, W) float32 -> (B, outputs) logits from an ONNX Runtime session (`input_name`: its input's, when
    the caller has asked it once already: each get_inputs() builds new objects)."""
    return sess.run(None, {input_name or sess.get_inputs()[0].name: inputs})[0]


def run(sess, inputs: np.ndarray) -> np.ndarray:
    """(B, C, H, W) float32 -> (B, outputs) probabilities of the raw network (what the probe check compares)."""
    return softmax(logits(sess, inputs))


def probe_gap(sess, card: dict[str, Any]) -> float:
    """Largest difference between the twin's probabilities on the probe inputs and those the card recorded."""
    recorded = np.asarray(card["onnx"]["probe"]["probabilities"], dtype=np.float64)
    ours = run(sess, probe_inputs(card["input_shape"], len(recorded)))
    if ours.shape != recorded.shape:
        return math.inf
    return float(np.abs(ours - recorded).max())


class Twin:
    """A checked ONNX twin's session, with `threads` intra-op threads in whichever process uses it.

    ONNX Runtime makes those threads with the session, and a forked process inherits none of them: a
    gunicorn worker forked from the preloaded master would run every layer on its calling thread alone.
    So a process other than the one that made the session makes its own before its first use (gunicorn's
    post_fork calls `after_fork` before the first request)."""

    def __init__(self, data: bytes, threads: int = 1):
        self.data, self.threads = data, threads
        self.session = session(data, threads)
        self.input_name = self.session.get_inputs()[0].name  # asked once, for every call of `logits`
        self.pid = os.getpid()  # the process whose session this is
        self.inherited: list[Any] = []

    def logits(self, inputs: np.ndarray) -> np.ndarray:
        if self.pid != os.getpid():
            self.after_fork()
        return logits(self.session, inputs, self.input_name)

    def after_fork(self) -> None:
        if self.pid == os.getpid():
            return
        if self.threads > 1:
            # Kept, never freed: freeing a session made before the fork waits forever on its condition variables.
            self.inherited.append(self.session)
            self.session = session(self.data, self.threads)
        self.pid = os.getpid()


def load_twin(path: Path, threads: int = 1) -> tuple[Twin, dict[str, Any]]:
    """(twin, card) for checkpoint `path`'s ONNX twin: sha256 against the card, then the probe check.

    Raises CheckpointError when the card names no twin, or the twin is missing, altered, unreadable
    or computes something other than the checkpoint did at export."""
    card = read_card(path)
    data = read_twin(path)
    if data is None:
        raise CheckpointError(f"{path} has no ONNX twin: run python -m models.export {path}")
    if not isinstance(card["onnx"].get("probe"), dict):
        raise CheckpointError(f"model card of {path} records no probe outputs: run python -m models.export {path}")
    try:
        twin = Twin(data, threads)
    except ImportError:
        raise CheckpointError("onnxruntime is not installed: pip install -r requirements.txt") from None
    except Exception as exc:  # noqa: BLE001 - ONNX Runtime raises its own types for files it cannot load
        raise CheckpointError(f"ONNX twin of {path} cannot be loaded: {exc}") from None
    gap = probe_gap(twin.session, card)
    if not gap <= TOLERANCE:
        raise CheckpointError(f"ONNX twin of {path} disagrees with its checkpoint by {gap:.2g} in probability")
    return twin, card
