"""Why the model answered: an occlusion-sensitivity map over its 28x28 input. Pure numpy + Pillow; any engine.

Each PATCH x PATCH square of the input (every STRIDE px) is set to the background, all of them in one
batch (those that hide only background are left out: they cost the answer nothing); a pixel's value is
the mean drop in the answer's probability over the squares that hid it (Zeiler & Fergus 2014). Higher
means the pixel supports the answer more; below zero, it argued for another class. Forward passes only,
so it runs in ONNX Runtime without torch, and the map is what the network does, not a gradient's guess
(Adebayo et al. 2018: saliency that survives weight randomisation is not explaining the model).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from models.dataurl import png_data_url

PATCH = 5
STRIDE = 2


def occlusions(field: np.ndarray, background: float, patch: int = PATCH, stride: int = STRIDE):
    """(inputs (N, H, W) with one square hidden each, masks (N, H, W) bool of the hidden squares)."""
    height, width = field.shape
    tops = range(0, height - patch + 1, stride)
    lefts = range(0, width - patch + 1, stride)
    masks = np.zeros((len(tops) * len(lefts), height, width), bool)
    for k, (top, left) in enumerate((t, left) for t in tops for left in lefts):
        masks[k, top : top + patch, left : left + patch] = True
    return np.where(masks, background, field[None]), masks


def occlusion_map(
    field: np.ndarray, answer: int, predict: Callable[[np.ndarray], np.ndarray], background: float
) -> np.ndarray:
    """The (H, W) map of how much each pixel of a normalised input `field` supports class `answer`.

    `predict`: (N, 1, H, W) float32 -> (N, classes) probabilities; `background`: the normalised value of no ink."""
    inputs, masks = occlusions(field, background)
    hides = (inputs != field[None]).any((1, 2))  # a square of background alone gives the input back unchanged
    batch = np.concatenate([field[None], inputs[hides]])[:, None].astype(np.float32)
    probs = predict(batch)[:, answer]
    drops = np.zeros(len(inputs), probs.dtype)  # (N,): what hiding each square cost the answer
    drops[hides] = probs[0] - probs[1:]
    cover = masks.sum(0)
    return (np.tensordot(drops, masks, axes=1) / np.maximum(cover, 1)).astype(np.float32)


def heatmap_png(saliency: np.ndarray) -> str:
    """The map as a translucent PNG data URL to lay over the 28x28 input: red where a pixel supports the
    answer, blue where it argues against it, the alpha following the strength."""
    scale = float(np.abs(saliency).max()) or 1.0
    strength = np.clip(saliency / scale, -1, 1)
    rgba = np.zeros((*saliency.shape, 4), np.uint8)
    rgba[..., 0] = np.where(strength > 0, 230, 40)
    rgba[..., 1] = 60
    rgba[..., 2] = np.where(strength > 0, 40, 230)
    rgba[..., 3] = np.round(np.abs(strength) * 200).astype(np.uint8)
    return png_data_url(rgba)


def explanation(field: np.ndarray, answer: int, predict: Callable[[np.ndarray], np.ndarray], background: float) -> dict:
    """What an answer with ?explain=1 carries: the map (28 rows of 28 numbers) and its PNG."""
    saliency = occlusion_map(field, answer, predict, background)
    return {"map": np.round(saliency, 4).tolist(), "png": heatmap_png(saliency)}
