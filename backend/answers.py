"""The JSON shapes of answers: one digit, and a 28x28 field as a PNG data URL."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

from backend.predictor import Predictor
from backend.preprocess import Prepared


def png_data_url(field: np.ndarray) -> str:
    """A uint8 gray image as a PNG data URL."""
    buf = io.BytesIO()
    Image.fromarray(field, mode="L").save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def digit(predictor: Predictor, probs: np.ndarray, prepared: Prepared, include_input: bool) -> dict:
    """One answer: the top class, its confidence, every probability, whether it is doubtful."""
    top = int(probs.argmax())
    answer = {
        "digit": top,
        "label": predictor.classes[top],
        "confidence": round(float(probs[top]), 6),
        "probabilities": np.round(probs, 6).tolist(),
        "uncertain": bool(probs[top] < predictor.uncertain_below or not prepared.plausible),
    }
    if include_input:
        answer["input"] = png_data_url(prepared.field)
    return answer
