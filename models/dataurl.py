"""A picture as a PNG data URL: how answers (the 28x28 input, the occlusion map) and the model page carry images."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

MODES = {2: "L", 3: "RGB", 4: "RGBA"}  # by (H, W) or the channels of (H, W, C)


def png_data_url(image: np.ndarray, optimize: bool = False) -> str:
    """A uint8 image, (H, W) gray or (H, W, 3|4) colour, as a PNG data URL (`optimize`: smaller, slower)."""
    mode = MODES[image.ndim] if image.ndim == 2 else MODES[image.shape[2]]
    buf = io.BytesIO()
    Image.fromarray(image, mode).save(buf, format="PNG", optimize=optimize)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
