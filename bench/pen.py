"""How well pen drawings are read: MNIST test digits redrawn in real Chromium, the styles MNIST lacks,
and held-out handwriting fonts, in the three encodings, through the app's full request path.

    .venv/bin/python -m bench.pen [CHECKPOINT ...] [--pens 3000] [--per-style 100] [--per-font 200] [--pen 0.15 0.3]
        [--angle 30]

For each checkpoint (default: the shipped MNIST model): accuracy overall and by kind, encoding, pen
width, class, style and font; the share of mistakes answered `uncertain` and of correct answers
marked `uncertain`; expected calibration error on these canvases and on the MNIST test set; and how
many of the pen drawings read wrong it reads right as MNIST scanned them (mistakes that come with the
redraw). The pen's width is a share of the digit's height, drawn from `--pen` (0.03-0.2 by default);
`--pen 0.15 0.3` draws with a thick pen, as a small digit on the page's pad comes out. The drawn digits
are turned by up to `--angle` degrees either way (15 by default; the fonts by up to 10), and read by
turn too. Writes bench/results/pen.json (pen-LOW-HIGH.json for another pen, pen-angle-A.json for another
turn; harness/pen.py makes the canvases).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from backend.app import create_app
from harness import MNIST_CKPT, pen, write_result
from harness.browser import chromium
from models import argtypes, calibrate, data, runtime
from models.pen import ANGLE, PEN, pen_option


def mnist_test_probabilities(predictor) -> tuple[np.ndarray, np.ndarray]:
    """A served model's (10000, 10) probabilities on the real MNIST test set, and the test labels."""
    images, labels = data.load("mnist", train=False)
    x = runtime.normalise(images.numpy(), predictor.card["mean"], predictor.card["std"])
    return np.concatenate([predictor.predict(x[i : i + 1000]) for i in range(0, len(x), 1000)]), labels.numpy()


def mnist_test_figures(probs: np.ndarray, labels: np.ndarray) -> dict:
    """Accuracy and expected calibration error on the MNIST test set."""
    correct = probs.argmax(1) == labels
    return {
        "accuracy": round(float(correct.mean()), 4),
        "ece": round(calibrate.expected_calibration_error(probs.max(1), correct), 4),
    }


def pen_mistakes_as_scanned(batch: list, replies: list[dict], said_as_scanned: np.ndarray) -> dict:
    """Of the pen drawings read wrong, how many the model reads right as MNIST scanned them (`said_as_scanned`:
    its answer for each MNIST test digit): mistakes that come with the redraw (e.g. a loop MNIST's pen filled
    in, which thinning turns into another digit's shape)."""
    wrong = [
        item for item, reply in zip(batch, replies, strict=True) if item.kind == "pen" and reply["digit"] != item.label
    ]
    return {
        "pen_mistakes": len(wrong),
        "read_right_as_scanned": sum(int(said_as_scanned[item.source] == item.label) for item in wrong),
    }


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "checkpoints", nargs="*", type=argtypes.checkpoint, default=[MNIST_CKPT], help="MNIST checkpoints to compare"
    )
    p.add_argument(
        "--pens",
        type=argtypes.bounded(int, 0),
        default=3000,
        help="MNIST test digits redrawn with a pen (default: 3000)",
    )
    p.add_argument(
        "--per-style", type=argtypes.bounded(int, 0), default=100, help="drawings of each style (default: 100)"
    )
    p.add_argument(
        "--per-font", type=argtypes.bounded(int, 0), default=200, help="digits in each held-out font (default: 200)"
    )
    p.add_argument("--seed", type=argtypes.SEED, default=11, help="seed of the canvases (default: 11)")
    pen_option(p, PEN, "the digit's height")
    p.add_argument(
        "--angle",
        type=argtypes.DEGREES,
        default=ANGLE,
        help=f"the drawn digits' largest turn either way, in degrees (default: {ANGLE:g})",
    )
    args = p.parse_args(argv)
    with chromium() as browser:
        batch = pen.items(browser, args.pens, args.per_style, args.per_font, args.seed, args.pen, args.angle)
    results = {}
    for path in args.checkpoints:
        app = create_app({"models": {"mnist": path}, "device": "cpu"})
        t0 = time.perf_counter()
        replies = pen.answers(app.test_client(), batch)
        summary = pen.summary(batch, replies)
        summary["ms_per_canvas"] = round((time.perf_counter() - t0) / len(batch) * 1000, 2)
        probs, labels = mnist_test_probabilities(app.extensions["predictors"]["mnist"])
        summary["mnist_test"] = mnist_test_figures(probs, labels)
        summary["pen_mistakes_as_scanned"] = pen_mistakes_as_scanned(batch, replies, probs.argmax(1))
        results[str(path)] = summary
        by = summary["by"]
        print(
            f"{path}: {summary['accuracy']:.4f} on {summary['n']} canvases ({summary['mistakes']} wrong); "
            f"mistakes uncertain {summary['mistakes_uncertain']}, correct uncertain {summary['correct_uncertain']}; "
            f"ECE {summary['ece']} (MNIST test {summary['mnist_test']}); pen drawings read wrong that it reads "
            f"right as MNIST scanned them: {summary['pen_mistakes_as_scanned']}"
        )
        for group in ("kind", "encoding", "pen_width", "angle", "style", "font", "class", "font_class"):
            print(f"  {group:>9}: " + "  ".join(f"{k} {v['accuracy']}" for k, v in by[group].items()))
    out = {
        "settings": vars(args) | {"checkpoints": [str(c) for c in args.checkpoints]},
        "results": results,
    }
    name = "pen" + ("" if args.pen == PEN else "-{}-{}".format(*args.pen))
    write_result(name + ("" if args.angle == ANGLE else f"-angle-{args.angle:g}"), out)
    return out


if __name__ == "__main__":
    main()
