"""bench/gpu.py's inputs file: drawings made where Chromium runs, answered on a GPU host that has none."""

from bench import gpu


def test_saved_inputs_come_back_byte_for_byte_with_their_truths_and_routes(tmp_path):
    inputs = [
        (b"\x89PNG first\x00", "2026", "number"),  # bytes that end in NUL, and an empty one, survive too
        (b"", "7", "digit"),
        (bytes(range(256)), "0", "digit"),
    ]
    path = tmp_path / "inputs.npz"
    gpu.write(path, inputs)
    assert gpu.load(path) == inputs
