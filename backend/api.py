"""The HTTP API: /predict, /predict/batch, /health, /ready, /model, /models.

A request reads top to bottom: image bytes out of the request (this module) ->
`preprocess.prepare` -> `Predictor.predict` -> JSON.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re

import numpy as np
from flask import Blueprint, current_app, jsonify, request
from PIL import Image

from backend.errors import ApiError, from_preprocess
from backend.predictor import Predictor
from backend.preprocess import Prepared, PreprocessError

bp = Blueprint("api", __name__)

IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp", "image/bmp", "image/gif", "application/octet-stream")
DATA_URL = re.compile(r"^data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?:;[\w=.+-]+)*?(?P<b64>;base64)?,(?P<data>.*)$", re.DOTALL)


def _predictor() -> Predictor:
    predictors: dict[str, Predictor] = current_app.extensions["predictors"]
    name = request.args.get("model") or current_app.extensions["settings"].default_model
    if name not in predictors:
        raise ApiError(404, "unknown_model", f"no model named {name!r}; served: {', '.join(predictors)}")
    return predictors[name]


def _decode_text(text: object, where: str) -> bytes:
    """A data URL or bare base64 string -> bytes."""
    if not isinstance(text, str):
        raise ApiError(400, "invalid_image_field", f"{where} must be a string (a data URL or base64)")
    match = DATA_URL.match(text.strip())
    if match:
        mime = (match["mime"] or "").lower()
        if mime not in IMAGE_TYPES:
            raise ApiError(
                415, "unsupported_media_type", f"{where} is a data URL of type {mime or 'none'}; send an image"
            )
        if not match["b64"]:
            raise ApiError(400, "invalid_base64", f"{where} is a data URL without ;base64")
        text = match["data"]
    try:
        return base64.b64decode(re.sub(r"\s+", "", text), validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(400, "invalid_base64", f"{where} is not valid base64") from None


def _json_body() -> dict:
    try:
        payload = json.loads(request.get_data(cache=False))
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        raise ApiError(400, "invalid_json", "the body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise ApiError(400, "invalid_json", "the JSON body must be an object")
    return payload


def _content_type() -> str:
    return (request.mimetype or "").lower()


def _single_image() -> bytes:
    """The image bytes of a /predict request, in any of its three forms."""
    kind = _content_type()
    if kind == "multipart/form-data":
        files = request.files.getlist("image")
        if not files:
            raise ApiError(400, "missing_image", "the form has no file field named 'image'")
        if len(files) > 1:
            raise ApiError(400, "multiple_images", "send one file in 'image' (use /predict/batch for several)")
        return files[0].read()
    if kind == "application/json":
        payload = _json_body()
        if "image" not in payload:
            raise ApiError(400, "missing_image", "the JSON object has no 'image' key")
        return _decode_text(payload["image"], "'image'")
    if kind in IMAGE_TYPES:
        return request.get_data(cache=False)
    if not kind and not request.content_length:
        raise ApiError(400, "empty_body", "no image was sent; POST a PNG (see the README)")
    raise ApiError(
        415,
        "unsupported_media_type",
        f"Content-Type {kind or 'missing'} is not accepted; use multipart/form-data, application/json or an image type",
    )


def _batch_images() -> list[bytes | ApiError]:
    """The images of a /predict/batch request; an item that cannot be read becomes its error."""
    kind = _content_type()
    if kind == "multipart/form-data":
        items: list = [f.read() for f in request.files.getlist("images")]
    elif kind == "application/json":
        images = _json_body().get("images")
        if not isinstance(images, list):
            raise ApiError(400, "missing_images", "the JSON object needs 'images': a list of data URLs or base64")
        items = images
    else:
        raise ApiError(
            415, "unsupported_media_type", "send multipart/form-data ('images' files) or JSON {'images': [...]}"
        )
    limit = current_app.extensions["settings"].max_batch
    if not items:
        raise ApiError(400, "missing_images", "the batch is empty")
    if len(items) > limit:
        raise ApiError(413, "batch_too_large", f"the batch has {len(items)} images; at most {limit} are accepted")
    out: list[bytes | ApiError] = []
    for i, item in enumerate(items):
        try:
            out.append(item if isinstance(item, bytes) else _decode_text(item, f"images[{i}]"))
        except ApiError as exc:
            out.append(exc)
    return out


def _png_data_url(field: np.ndarray) -> str:
    buf = io.BytesIO()
    Image.fromarray(field, mode="L").save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _answer(predictor: Predictor, probs: np.ndarray, prepared: Prepared, include_input: bool) -> dict:
    classes = predictor.classes
    top = int(probs.argmax())
    answer = {
        "digit": top,
        "label": classes[top],
        "confidence": round(float(probs[top]), 6),
        "probabilities": [round(float(p), 6) for p in probs],
        "uncertain": bool(probs[top] < current_app.extensions["settings"].uncertain_below or not prepared.plausible),
        "model": predictor.summary(),
    }
    if include_input:
        answer["input"] = _png_data_url(prepared.field)
    return answer


def _prepare(predictor: Predictor, data: bytes) -> Prepared:
    return predictor.prepare(data, current_app.extensions["settings"].max_image_pixels)


def _include_input() -> bool:
    return request.args.get("include_input", "0").lower() in ("1", "true", "yes")


@bp.post("/predict")
def predict():
    """One image -> the digit, its confidence and every class's probability."""
    predictor = _predictor()
    prepared = _prepare(predictor, _single_image())
    probs = predictor.predict(prepared.input[None])[0]
    return jsonify(_answer(predictor, probs, prepared, _include_input()))


@bp.post("/predict/batch")
def predict_batch():
    """Many images -> results in order; a bad item gets its own error and does not spoil the rest."""
    predictor = _predictor()
    results: list[dict] = []
    prepared: dict[int, Prepared] = {}
    for i, item in enumerate(_batch_images()):
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
            results[i] = _answer(predictor, row, p, _include_input())
    return jsonify({"results": results, "count": len(results), "errors": len(results) - len(prepared)})


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
    return jsonify(_predictor().describe())


@bp.get("/models")
def models():
    """Every served model's summary; the first is the default."""
    predictors: dict[str, Predictor] = current_app.extensions["predictors"]
    default = current_app.extensions["settings"].default_model
    return jsonify({"default": default, "models": [{**p.summary(), "classes": p.classes} for p in predictors.values()]})
