"""How well photos of digits on paper are read, as programs POST them from a phone's camera.

    .venv/bin/python -m bench.photos [--count 1200] [--numbers 300] [--seed 3]

MNIST *test* digits thinned and redrawn with a round pen (`models.pen`, as the trainer draws them) on 280 or
400 px sheets, then photographed (`harness.images.photo`): the paper lit unevenly (from 170-240 at one corner
to 110-230 at the other, the fall in a random direction), a pen from black (20) to a light pencil (110),
blur, sensor noise of 2-12 levels, JPEG quality 60-95; every other sheet lying on a darker table (40-90),
turned up to 15 degrees either way. Each JPEG goes through the app's whole `/predict` path (in process).
Reports accuracy overall, on paper alone and on a table, by the pen's darkness, errors (e.g. `empty_image`)
and the share of mistakes answered `uncertain`. Then numbers of 1-6 MNIST test digits laid out as
`bench.numbers` draws them (`models.numbers.layout`: uneven sizes, a wandering baseline, a quarter with two
digits touching), photographed the same way (turned up to 8 degrees), through `/predict/number`: read whole,
on paper and on a table, against the same ink as a drawing (a PNG, white on black). Writes
bench/results/photos.json.
"""

from __future__ import annotations

import argparse
import logging
from collections import Counter

import numpy as np
from PIL import Image

from backend.app import create_app
from harness import write_result
from harness.images import photo, png
from models import argtypes, data, numbers, pen

PEN_BINS = [(20, 50), (50, 80), (80, 111)]  # the pen's brightness


def _camera(rng: np.random.Generator, on_table: bool, turn: float) -> dict:
    """A random photo's settings (`harness.images.photo`)."""
    return {
        "light": (int(rng.integers(170, 241)), int(rng.integers(110, 231))),
        "slope": float(rng.random()),
        "pen": int(rng.integers(20, 111)),
        "noise": float(rng.uniform(2, 12)),
        "blur": float(rng.uniform(0.5, 1.5)),
        "quality": int(rng.integers(60, 96)),
        "table": int(rng.integers(40, 91)) if on_table else None,
        "turn": float(rng.uniform(-turn, turn)),
        "seed": int(rng.integers(1 << 31)),
    }


def photos(count: int, seed: int):
    """(JPEG bytes, true digit, on a table, the pen's brightness) for `count` MNIST test digits."""
    images, labels = data.load("mnist", train=False)
    rng = np.random.default_rng(seed)
    for n, i in enumerate(rng.choice(len(images), count, replace=False)):
        strokes = pen.skeleton_strokes(images[i, 0].numpy())
        ink = pen.render(strokes, pen.random_pose(rng, int(rng.choice([280, 400]))))
        camera = _camera(rng, n % 2 == 1, 15)
        yield photo(ink, **camera), int(labels[i]), camera["table"] is not None, camera["pen"]


def number_photos(count: int, seed: int):
    """(JPEG bytes, the same ink as a drawing's PNG, the number, on a table) for `count` numbers of MNIST test
    digits."""
    images, labels = data.load("mnist", train=False)
    rng = np.random.default_rng(seed)
    for n in range(count):
        picks = rng.choice(len(images), int(rng.integers(1, 7)), replace=False)
        strokes = [pen.skeleton_strokes(images[i, 0].numpy()) for i in picks]
        touch = int(rng.integers(len(picks) - 1)) if len(picks) > 1 and rng.uniform() < 0.25 else None
        digits, width, canvas = numbers.layout(strokes, rng, touch)
        ink = pen.ink([s for d in digits for s in d], width, canvas)
        camera = _camera(rng, n % 2 == 1, 8)
        text = "".join(str(int(labels[i])) for i in picks)
        yield photo(ink, **camera), png(Image.fromarray(ink, "L")), text, camera["table"] is not None


def _figures(rows: list[tuple[bool, bool, bool]]) -> dict:
    """rows: (answered, right, uncertain) -> accuracy, errors and the mistakes flagged."""
    answered = [r for r in rows if r[0]]
    wrong = [r for r in answered if not r[1]]
    return {
        "count": len(rows),
        "accuracy": round(sum(r[1] for r in rows) / max(len(rows), 1), 4),
        "errors": len(rows) - len(answered),
        "mistakes": len(wrong),
        "mistakes_uncertain": round(sum(r[2] for r in wrong) / len(wrong), 3) if wrong else None,
    }


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--count", type=argtypes.COUNT, default=1200)
    p.add_argument("--numbers", type=argtypes.COUNT, default=300)
    p.add_argument("--seed", type=int, default=3)
    args = p.parse_args(argv)
    logging.getLogger("backend").setLevel(logging.WARNING)
    client = create_app({"device": "cpu"}).test_client()
    rows, codes = [], Counter()
    for jpeg, label, on_table, darkness in photos(args.count, args.seed):
        reply = client.post("/predict", data=jpeg, content_type="image/jpeg").get_json()
        if "error" in reply:
            codes[reply["error"]["code"]] += 1
        answered = "error" not in reply
        rows.append(
            (on_table, darkness, (answered, answered and reply["digit"] == label, answered and reply["uncertain"]))
        )
    read = []
    for jpeg, drawing, text, on_table in number_photos(args.numbers, args.seed):
        replies = [
            client.post("/predict/number", data=b, content_type=t).get_json()
            for b, t in ((jpeg, "image/jpeg"), (drawing, "image/png"))
        ]
        read.append((on_table, *(reply.get("number") == text for reply in replies)))
    result = {
        "all": _figures([r[2] for r in rows]),
        "on_paper": _figures([r[2] for r in rows if not r[0]]),
        "on_a_table": _figures([r[2] for r in rows if r[0]]),
        "by_pen": {f"{lo}-{hi - 1}": _figures([r[2] for r in rows if lo <= r[1] < hi]) for lo, hi in PEN_BINS},
        "error_codes": dict(codes),
        "numbers": {
            "count": len(read),
            **{
                name: {
                    "photos_whole": round(sum(r[1] for r in part) / max(len(part), 1), 4),
                    "drawings_whole": round(sum(r[2] for r in part) / max(len(part), 1), 4),
                }
                for name, part in (
                    ("all", read),
                    ("on_paper", [r for r in read if not r[0]]),
                    ("on_a_table", [r for r in read if r[0]]),
                )
            },
        },
        "seed": args.seed,
    }
    for name in ("all", "on_paper", "on_a_table"):
        f = result[name]
        print(
            f"{name}: {f['accuracy']:.2%} of {f['count']} (errors {f['errors']}, mistakes {f['mistakes']}, "
            f"uncertain {f['mistakes_uncertain']})"
        )
    for name in ("all", "on_paper", "on_a_table"):
        f = result["numbers"][name]
        print(
            f"numbers {name}: photos {f['photos_whole']:.2%} whole, the same ink as drawings {f['drawings_whole']:.2%}"
        )
    write_result("photos", result)
    return result


if __name__ == "__main__":
    main()
