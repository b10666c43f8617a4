"""The JSON shapes of answers: one digit, and a 28x28 field as a PNG data URL."""

from __future__ import annotations

import numpy as np

from backend.predictor import Predictor
from backend.preprocess import Prepared
from models.dataurl import png_data_url


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
