"""The data a training run sees: the data set's splits with a seeded validation hold-out, MNIST's pen-drawn
extras (`models.pen`) and people's corrections (`models.feedback export`) joined, on the training device."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from models import data, fonts
from models.trainconfig import TrainConfig

EXTRA_SHARE = 0.05  # corrections are repeated until they are about this share of a fine-tune's images
HELD_OUT = 0.2  # of the corrections, kept out of a fine-tune to measure it


@dataclass
class Splits:
    """Train / validation / test images (uint8) and labels, on the training device."""

    train_x: torch.Tensor
    train_y: torch.Tensor
    val_x: torch.Tensor
    val_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    held_x: torch.Tensor | None = None  # corrections held out of a fine-tune, to measure it on
    held_y: torch.Tensor | None = None


def _pen_extras(images: torch.Tensor, labels: torch.Tensor, cfg: TrainConfig, with_styles: bool):
    from models import pen, pendata

    faces = fonts.fetch(cfg.data_root)["train"] if with_styles else []
    n = (1500 if cfg.dry_run else pen.STYLE_DRAWINGS * len(pen.STYLE_SETS[cfg.styles])) if with_styles else 0
    x, y = pendata.training_set(
        images.numpy(),
        labels.numpy(),
        faces,
        cfg.seed,
        cfg.data_root / "pen-cache",
        styles=n,
        glyphs_per_font=(8 if cfg.dry_run else 300) if with_styles else 0,
        hollow_share=cfg.hollow_share,
        lift_share=cfg.lift_share,
        style_set=cfg.styles,
    )
    return torch.from_numpy(x), torch.from_numpy(y)


def load_splits(cfg: TrainConfig, device: torch.device) -> Splits:
    """The data set with a seeded validation hold-out (a tiny subset for a dry run), extras joined, on `device`."""
    train_x, train_y = data.load(cfg.dataset, train=True, root=cfg.data_root)
    test_x, test_y = data.load(cfg.dataset, train=False, root=cfg.data_root)
    perm = torch.randperm(len(train_x), generator=torch.Generator().manual_seed(cfg.seed))
    val_size = min(cfg.val_size, len(train_x) // 5)
    val_idx, train_idx = perm[:val_size], perm[val_size:]
    if cfg.dry_run:
        train_idx, val_idx, test_x, test_y = train_idx[:512], val_idx[:256], test_x[:256], test_y[:256]
    train_x, train_y, val_x, val_y = train_x[train_idx], train_y[train_idx], train_x[val_idx], train_y[val_idx]
    if cfg.extras == "pen":
        redrawn = int(round(cfg.pen_share * len(train_x)))  # the first of a shuffled split: a random share
        pen_x, pen_y = _pen_extras(train_x[:redrawn], train_y[:redrawn], cfg, with_styles=True)
        val_pen_x, val_pen_y = _pen_extras(val_x, val_y, cfg, with_styles=False)
        train_x, train_y = torch.cat([train_x, pen_x]), torch.cat([train_y, pen_y])
        val_x, val_y = torch.cat([val_x, val_pen_x]), torch.cat([val_y, val_pen_y])
    held = (None, None)
    if cfg.extra:  # corrections from the people who use it (models.feedback export)
        extra_x, extra_y, *held = corrections(cfg.extra, cfg.seed)
        repeat = max(1, round(EXTRA_SHARE * len(train_x) / max(1, len(extra_x))))  # a few dozen must still count
        train_x = torch.cat([train_x, extra_x.repeat(repeat, 1, 1, 1)])
        train_y = torch.cat([train_y, extra_y.repeat(repeat)])
    tensors = (train_x, train_y, val_x, val_y, test_x, test_y, *held)
    return Splits(*(t.to(device) if t is not None else None for t in tensors))


def corrections(paths: tuple, seed: int) -> tuple[torch.Tensor, ...]:
    """Data set files of corrections -> (train x, train y, held-out x, held-out y): HELD_OUT of them, seeded,
    are kept out of training to measure the fine-tune on."""
    xs, ys = [], []
    for path in paths:
        try:
            with np.load(path) as extra:
                xs.append(torch.from_numpy(extra["x"].copy()))
                ys.append(torch.from_numpy(extra["y"].copy()).long())
        except (OSError, ValueError, KeyError) as exc:  # not an .npz, or one without the export's arrays
            raise data.DataUnavailable(
                f"{path} is not a data set file of python -m models.feedback export ({exc})"
            ) from None
    x, y = torch.cat(xs), torch.cat(ys)
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    cut = int(round(len(x) * HELD_OUT))
    return x[order[cut:]], y[order[cut:]], x[order[:cut]], y[order[:cut]]
