"""Batched, on-device augmentation: one call per batch, no per-sample Python.

Aimed at what the server sees from a canvas after the MNIST recipe: digits a little
larger or smaller, shifted, slanted or rotated, and drawn with a pen whose stroke is
thicker or thinner than MNIST's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class AugmentConfig:
    """Ranges of the random transforms; zero turns a transform off."""

    rotate_deg: float = 0.0
    scale: float = 0.0  # relative: 0.1 -> scale in [0.9, 1.1]
    shift_px: float = 0.0
    shear: float = 0.0
    thicken: float = 0.0  # probability of a blend towards a dilated stroke
    thin: float = 0.0  # probability of a blend towards an eroded stroke
    hflip: float = 0.0  # probability of a horizontal flip (not for digits)


PRESETS = {
    "none": AugmentConfig(),
    "digits": AugmentConfig(rotate_deg=12, scale=0.12, shift_px=2.0, shear=0.15, thicken=0.35, thin=0.2),
    "fashion": AugmentConfig(shift_px=2.0, scale=0.05, hflip=0.5),
    "cifar": AugmentConfig(shift_px=3.0, hflip=0.5),
}


def _uniform(n: int, half_range: float, device: torch.device, gen: torch.Generator | None) -> torch.Tensor:
    return (torch.rand(n, device=device, generator=gen) * 2 - 1) * half_range


def _affine(x: torch.Tensor, cfg: AugmentConfig, gen: torch.Generator | None) -> torch.Tensor:
    n, _, h, w = x.shape
    angle = _uniform(n, math.radians(cfg.rotate_deg), x.device, gen)
    scale = 1 + _uniform(n, cfg.scale, x.device, gen)
    shear = _uniform(n, cfg.shear, x.device, gen)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.zeros(n, 2, 3, device=x.device)
    theta[:, 0, 0], theta[:, 0, 1] = cos, -sin + shear * cos
    theta[:, 1, 0], theta[:, 1, 1] = sin, cos + shear * sin
    theta[:, 0, 2] = _uniform(n, 2 * cfg.shift_px / w, x.device, gen)  # grid units: 2 = the whole width
    theta[:, 1, 2] = _uniform(n, 2 * cfg.shift_px / h, x.device, gen)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def _max3x3(x: torch.Tensor) -> torch.Tensor:
    """The maximum over each pixel's 3x3 neighbourhood: exactly F.max_pool2d(x, 3, stride=1, padding=1), one
    axis at a time (on the CPU 15x faster than max_pool2d, which keeps the indices it never needs here)."""
    p = F.pad(x, (1, 1, 1, 1), value=float("-inf"))
    rows = torch.maximum(torch.maximum(p[..., :-2], p[..., 1:-1]), p[..., 2:])
    return torch.maximum(torch.maximum(rows[..., :-2, :], rows[..., 1:-1, :]), rows[..., 2:, :])


def _stroke(x: torch.Tensor, cfg: AugmentConfig, gen: torch.Generator | None) -> torch.Tensor:
    """Blend each image a random amount towards its dilation (thicker) or erosion (thinner)."""
    n = x.shape[0]
    pick = torch.rand(n, device=x.device, generator=gen)
    amount = torch.rand(n, device=x.device, generator=gen).view(n, 1, 1, 1)
    thick = (pick < cfg.thicken).view(n, 1, 1, 1)
    thin = ((pick >= cfg.thicken) & (pick < cfg.thicken + cfg.thin)).view(n, 1, 1, 1)
    dilated = _max3x3(x)
    eroded = -_max3x3(-x)
    x = torch.where(thick, x + amount * (dilated - x), x)
    return torch.where(thin, x + 0.6 * amount * (eroded - x), x)


def augment(x: torch.Tensor, cfg: AugmentConfig, gen: torch.Generator | None = None) -> torch.Tensor:
    """Randomly transform a batch (B, C, H, W) of float images in [0, 1] (ink bright on dark)."""
    if cfg.hflip:
        flip = (torch.rand(x.shape[0], device=x.device, generator=gen) < cfg.hflip).view(-1, 1, 1, 1)
        x = torch.where(flip, x.flip(-1), x)
    if cfg.rotate_deg or cfg.scale or cfg.shift_px or cfg.shear:
        x = _affine(x, cfg, gen)
    if cfg.thicken or cfg.thin:
        x = _stroke(x, cfg, gen)
    return x.clamp_(0, 1)
