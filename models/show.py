"""Play with the model: one test image, the model's guess and its top probabilities, saved as a PNG.

python -m models.show models/checkpoints/mnist-digitnet.pt --index 0
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from matplotlib.figure import Figure  # the object API: files only, no pyplot state, no GUI backend

from models import checkpoint, data
from models.runtime import normalise


@torch.inference_mode()
def predict_one(path: Path, index: int, data_root: Path = data.DEFAULT_ROOT) -> dict:
    """The test image at `index`, its true class and the model's probabilities."""
    model, meta = checkpoint.load(path)
    images, labels = data.load(meta["dataset"], train=False, root=data_root)
    if not 0 <= index < len(images):
        raise SystemExit(f"error: --index must be in [0, {len(images) - 1}]")
    probs = model(normalise(images[index : index + 1], meta["mean"], meta["std"])).softmax(1)[0]
    return {"image": images[index], "label": int(labels[index]), "probs": probs, "classes": meta["classes"]}


def save_picture(result: dict, out: Path, top: int = 5) -> str:
    """Image on the left, top-k probability bars on the right; returns the title."""
    classes, probs = result["classes"], result["probs"]
    guess = int(probs.argmax())
    title = f"guess: {classes[guess]} ({probs[guess]:.1%}) - true: {classes[result['label']]}"
    fig = Figure(figsize=(8, 3.5))
    (a, b) = fig.subplots(1, 2)
    img = result["image"].float() / 255
    a.imshow((img[0] if img.shape[0] == 1 else img.permute(1, 2, 0)).numpy(), cmap="gray")
    a.axis("off")
    a.set_title(title, color="green" if guess == result["label"] else "red")
    values, idx = probs.topk(min(top, len(classes)))
    b.barh([classes[i] for i in idx.tolist()][::-1], values.tolist()[::-1])
    b.set(xlim=(0, 1), xlabel="probability", title=f"top {len(idx)}")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    return title


def main(argv: list[str] | None = None) -> None:
    """CLI: save the picture and print the guess."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoint", type=Path, help="a .pt file written by models.train")
    p.add_argument("--index", type=int, default=0, help="index into the test split (default: 0)")
    p.add_argument("--out", type=Path, help="PNG to write (default: runs/show-INDEX.png)")
    p.add_argument("--data-root", type=Path, default=data.DEFAULT_ROOT, help="data root (default: ./data)")
    args = p.parse_args(argv)
    out = args.out or Path("runs") / f"show-{args.index}.png"
    try:
        title = save_picture(predict_one(args.checkpoint, args.index, args.data_root), out)
    except (checkpoint.CheckpointError, data.DataUnavailable) as exc:
        raise SystemExit(f"error: {exc}") from None
    print(f"{title}\nsaved: {out}")


if __name__ == "__main__":
    main()
