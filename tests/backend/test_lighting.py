"""The light in a photo (backend/lighting.py): the paper's level at each pixel, and the camera's noise."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from backend import decode, lighting
from harness.images import photographed


def _paper(light: tuple[int, int], shape: tuple[int, int]) -> np.ndarray:
    """The paper's true brightness in `photographed` (before blur and noise)."""
    height, width = shape
    x, y = np.linspace(0, 1, width)[None, :], np.linspace(0, 1, height)[:, None]
    return light[0] + (light[1] - light[0]) * (0.7 * x + 0.3 * y)


@pytest.mark.parametrize("noise", [3, 8, 15])
def test_the_noise_is_measured_without_the_light_falling_across_the_border(noise):
    gray = np.asarray(Image.open(io.BytesIO(photographed("7", light=(230, 110), noise=noise))).convert("L"))
    border = decode._border(gray)
    spread = 1.4826 * np.median(np.abs(border - np.median(border)))  # the border's spread holds the gradient too
    assert lighting.noise_sigma(border) == pytest.approx(noise, rel=0.35) and spread > 3 * noise


@pytest.mark.parametrize("light", [(210, 210), (230, 110), (120, 240)])
def test_the_paper_level_follows_the_light_to_the_edges_and_leaves_out_the_writing(light):
    gray = np.asarray(Image.open(io.BytesIO(photographed("2026", light=light, noise=6))).convert("L"))
    level = lighting.ground_level(gray)
    error = np.abs(level - _paper(light, gray.shape))
    assert np.percentile(error, 99) < 8  # the writing (45) lies under a fifth of the page: it would pull it far down


def test_a_pencil_stroke_lighter_than_the_paper_elsewhere_is_ink_and_the_dark_corner_is_not():
    gray = np.full((300, 300), 230.0)
    gray[:, 150:] = np.linspace(230, 110, 150)[None, :]  # the light falls to 110 at the right
    gray[140:160, 40:110] = 150  # a pencil stroke on the bright side, lighter than the dark side's paper
    rng = np.random.default_rng(0)
    noisy = np.clip(gray + rng.normal(0, 4, gray.shape), 0, 255).astype(np.uint8)
    ink = lighting.ink(noisy, lighting.ground_level(noisy), 5 * lighting.noise_sigma(decode._border(noisy)))
    assert ink[145:155, 50:100].min() > 40 and np.percentile(ink[:, 200:], 99.9) == 0
