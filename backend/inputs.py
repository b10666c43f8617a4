"""Image bytes out of a request, in each of its forms: multipart `image`, a raw image body, JSON with a data URL
or base64. Each is read once; what cannot be read becomes an ApiError with its status and code."""

from __future__ import annotations

import base64
import binascii
import json
import re

from flask import current_app, request

from backend.errors import ApiError

IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp", "image/bmp", "image/gif", "application/octet-stream")
DATA_URL = re.compile(r"^data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?:;[\w=.+-]+)*?(?P<b64>;base64)?,(?P<data>.*)$", re.DOTALL)


def decode_text(text: object, where: str) -> bytes:
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


def json_body() -> dict:
    try:
        payload = json.loads(request.get_data(cache=False))
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        raise ApiError(400, "invalid_json", "the body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise ApiError(400, "invalid_json", "the JSON body must be an object")
    return payload


def content_type() -> str:
    return (request.mimetype or "").lower()


def requested_model():
    """The served model a request names with ?model= (the default without), or ApiError 404."""
    predictors = current_app.extensions["predictors"]
    name = request.args.get("model") or current_app.extensions["settings"].default_model
    if name not in predictors:
        raise ApiError(404, "unknown_model", f"no model named {name!r}; served: {', '.join(predictors)}")
    return predictors[name]


def single_image(payload: dict | None = None) -> bytes:
    """The image bytes of a /predict request (or /predict/number, /feedback), in any of its three forms.
    `payload`: the JSON body when the caller has parsed it already (each input is parsed once)."""
    kind = content_type()
    if kind == "multipart/form-data":
        files = request.files.getlist("image")
        if not files:
            raise ApiError(400, "missing_image", "the form has no file field named 'image'")
        if len(files) > 1:
            raise ApiError(400, "multiple_images", "send one file in 'image' (use /predict/batch for several)")
        return files[0].read()
    if kind == "application/json":
        payload = json_body() if payload is None else payload
        if "image" not in payload:
            raise ApiError(400, "missing_image", "the JSON object has no 'image' key")
        return decode_text(payload["image"], "'image'")
    if kind in IMAGE_TYPES:
        return request.get_data(cache=False)
    if not kind and not request.content_length:
        raise ApiError(400, "empty_body", "no image was sent; POST a PNG (see the README)")
    raise ApiError(
        415,
        "unsupported_media_type",
        f"Content-Type {kind or 'missing'} is not accepted; use multipart/form-data, application/json or an image type",
    )


def batch_images() -> list[bytes | ApiError]:
    """The images of a /predict/batch request; an item that cannot be read becomes its error."""
    kind = content_type()
    if kind == "multipart/form-data":
        items: list = [f.read() for f in request.files.getlist("images")]
    elif kind == "application/json":
        images = json_body().get("images")
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
            out.append(item if isinstance(item, bytes) else decode_text(item, f"images[{i}]"))
        except ApiError as exc:
            out.append(exc)
    return out
