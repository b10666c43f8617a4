"""The ONNX twin of a checkpoint, for serving on CPUs with ONNX Runtime.

    python -m models.export models/checkpoints/mnist-digitnet.pt [more.pt ...]

Writes NAME.onnx beside NAME.pt -- the same network, traced by torch.onnx's torch.export path,
with a dynamic batch axis -- and records its file, size and sha256 in the model card under
"onnx". For one 28x28 image ONNX Runtime runs DigitNet in ~0.36 ms where torch takes ~0.65 ms
(torch's batch-1 CPU convolutions are its slowest path). The checkpoint stays the source of
truth: the twin is refused unless both give the same probabilities, here and at every server
start. `models.train` exports its checkpoint itself.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from models import checkpoint

TOLERANCE = 1e-4  # largest difference in any probability between torch and ONNX Runtime
OPSET = 18


def probe(input_shape: list[int], n: int = 8) -> np.ndarray:
    """Fixed inputs both engines must agree on: zeros and normal noise at the scale of normalised images."""
    noise = np.random.default_rng(0).standard_normal((n - 1, *input_shape)).astype(np.float32)
    return np.concatenate([np.zeros((1, *input_shape), np.float32), noise])


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


def disagreement(model: torch.nn.Module, sess, input_shape: list[int]) -> float:
    """Largest difference between the probabilities of torch `model` and ONNX Runtime `sess` on `probe`."""
    x = probe(input_shape)
    with torch.inference_mode():
        ours = torch.softmax(model(torch.from_numpy(x)).double(), 1).numpy()
    theirs = softmax(sess.run(None, {sess.get_inputs()[0].name: x})[0])
    return float(np.abs(ours - theirs).max())


def _without_stack_traces(proto):
    """The exporter records each node's Python stack trace, with this machine's absolute paths:
    dropped, so the same checkpoint gives the same bytes wherever it is exported."""
    for item in [*proto.graph.node, *proto.graph.value_info, *proto.graph.input, *proto.graph.output]:
        keep = [p for p in item.metadata_props if not p.key.endswith("stack_trace")]
        del item.metadata_props[:]
        item.metadata_props.extend(keep)
    return proto


def export(path: Path) -> dict[str, Any]:
    """Write the ONNX twin of checkpoint `path`, check it, record it in the card; return the card."""
    path = Path(path)
    model, meta = checkpoint.load(path)
    example = torch.from_numpy(probe(meta["input_shape"], 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's notes on its own internals
        program = torch.onnx.export(
            model, (example,), dynamo=True, opset_version=OPSET, input_names=["input"], output_names=["logits"],
            dynamic_shapes=({0: torch.export.Dim("batch", max=4096)},), verbose=False,
        )  # fmt: skip
    program.optimize()
    data = _without_stack_traces(program.model_proto).SerializeToString()
    gap = disagreement(model, session(data), meta["input_shape"])
    if gap > TOLERANCE:
        raise checkpoint.CheckpointError(f"the ONNX export of {path} differs from it by {gap:.2g} in probability")
    twin = checkpoint.onnx_path(path)
    twin.write_bytes(data)
    card = checkpoint.read_card(path)
    card["onnx"] = {"file": twin.name, "bytes": len(data), "sha256": checkpoint.sha256_file(twin), "opset": OPSET,
                    "torch": str(torch.__version__), "max_probability_difference": gap}  # fmt: skip
    checkpoint.write_card(path, card)
    return card


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoints", nargs="+", type=Path, help="checkpoint files (.pt) with their model cards")
    for path in p.parse_args(argv).checkpoints:
        card = export(path)
        print(f"{checkpoint.onnx_path(path)}: {card['onnx']['bytes']} bytes, sha256 {card['onnx']['sha256'][:12]}..., "
              f"max probability difference {card['onnx']['max_probability_difference']:.1e}")  # fmt: skip


if __name__ == "__main__":
    main()
