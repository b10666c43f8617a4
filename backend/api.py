"""The HTTP API's routes: /predict, /predict/batch, /predict/number, /health, /ready, /model, /models.

A request reads top to bottom: image bytes out of the request (`inputs`) -> the model's input
(`Predictor.prepare`: decode, recipe, normalise; for a number, `segment` first) -> `Predictor.predict`
-> JSON (`answers`).
"""

from __future__ import annotations

import numpy as np
from flask import Blueprint, current_app, jsonify, request

from backend import answers, decode, explain, segment
from backend.errors import ApiError, from_preprocess
from backend.inputs import batch_images, requested_model, single_image
from backend.predictor import Predictor
from backend.preprocess import Prepared, PreprocessError

bp = Blueprint("api", __name__)


def _prepare(predictor: Predictor, data: bytes) -> Prepared:
    return predictor.prepare(data, current_app.extensions["settings"].max_image_pixels)


def _flag(name: str) -> bool:
    return request.args.get(name, "0").lower() in ("1", "true", "yes")


def _include_input() -> bool:
    return _flag("include_input")


def _answer(predictor: Predictor, probs: np.ndarray, prepared: Prepared) -> dict:
    """One digit's answer, with the 28x28 input (?include_input=1) and the occlusion map (?explain=1)."""
    answer = answers.digit(predictor, probs, prepared, _include_input())
    if _flag("explain"):
        answer["explanation"] = explain.explanation(
            prepared.input[0], answer["digit"], predictor.predict, predictor.background
        )
    return answer


@bp.post("/predict")
def predict():
    """One image -> the digit, its confidence and every class's probability."""
    predictor = requested_model()
    prepared = _prepare(predictor, single_image())
    probs = predictor.predict(prepared.input[None])[0]
    return jsonify({**_answer(predictor, probs, prepared), "model": predictor.summary()})


@bp.post("/predict/batch")
def predict_batch():
    """Many images -> results in order; a bad item gets its own error and does not spoil the rest."""
    predictor = requested_model()
    results: list[dict] = []
    prepared: dict[int, Prepared] = {}
    for i, item in enumerate(batch_images()):
        try:
            if isinstance(item, ApiError):
                raise item
            prepared[i] = _prepare(predictor, item)
            results.append({})
        except (ApiError, PreprocessError) as exc:
            err = exc if isinstance(exc, ApiError) else from_preprocess(exc)
            results.append({"error": {"code": err.code, "message": err.message, "status": err.status}})
    if prepared:
        probs = predictor.predict(np.stack([p.input for p in prepared.values()]))
        for (i, p), row in zip(prepared.items(), probs, strict=True):
            results[i] = {**_answer(predictor, row, p), "model": predictor.summary()}
    return jsonify({"results": results, "count": len(results), "errors": len(results) - len(prepared)})


@bp.post("/predict/number")
def predict_number():
    """A drawn number -> its digits left to right, each with its box, confidence and probabilities."""
    predictor, settings = requested_model(), current_app.extensions["settings"]
    if not predictor.reads_numbers:
        raise ApiError(
            400, "not_a_digit_model", f"model {predictor.name!r} reads {predictor.card['dataset']}, not digits"
        )
    ink = decode.ink_of(single_image(), settings.max_image_pixels)
    prepared: dict[int, Prepared] = {}

    def classify(inks: list[np.ndarray]) -> np.ndarray:
        batch = [predictor.prepare_ink(ink) for ink in inks]
        prepared.update(zip(map(id, inks), batch, strict=True))  # each digit's input, for its answer below
        return predictor.predict(np.stack([p.input for p in batch]))

    pairs = current_app.extensions["pairs"]
    read = segment.read(ink, classify, settings.max_digits, pairs.read if pairs else None)
    digits = [{**_answer(predictor, probs, prepared[id(d.ink)]), "box": list(d.box)} for d, probs in read]
    return jsonify(
        {
            "number": "".join(d["label"] for d in digits),
            "digits": digits,
            "uncertain": any(d["uncertain"] for d in digits),
            "model": predictor.summary(),
        }
    )


@bp.get("/health")
def health():
    """Liveness: the process answers."""
    return jsonify({"status": "ok"})


@bp.get("/ready")
def ready():
    """Readiness: every model loaded, and where it runs."""
    predictors: dict[str, Predictor] = current_app.extensions["predictors"]
    models = {name: p.engine.device for name, p in predictors.items()}
    engines = {name: p.engine.name for name, p in predictors.items()}
    return jsonify({"ready": bool(models), "models": models, "engines": engines}), 200 if models else 503


@bp.get("/model")
def model():
    """The model card of the default model (or ?model=NAME) and its device."""
    return jsonify(requested_model().describe())


@bp.get("/model/report")
def model_report():
    """The model page's data for the default model (or ?model=NAME): card, curves, confusion, misclassified."""
    predictor = requested_model()
    if predictor.report is None:
        raise ApiError(404, "no_report", f"model {predictor.name!r} ships no report (python -m models.webreport)")
    return jsonify(predictor.report)


@bp.get("/models")
def models():
    """Every served model's summary, its classes and whether it reads whole numbers; the first is the default."""
    predictors: dict[str, Predictor] = current_app.extensions["predictors"]
    default = current_app.extensions["settings"].default_model
    listing = [{**p.summary(), "classes": p.classes, "reads_numbers": p.reads_numbers} for p in predictors.values()]
    return jsonify({"default": default, "models": listing})
