"""Corrections from the people who use it: POST /feedback, DELETE /feedback/<id>, GET /feedback/stats,
GET /feedback/export (ADMIN_TOKEN). Kept by `backend.store`; a data set file for `models.train --finetune`."""

from __future__ import annotations

import logging
import secrets

from flask import Blueprint, Response, current_app, jsonify, request

from backend.errors import ApiError
from backend.errors import body as error_body
from backend.inputs import json_body, requested_model, single_image
from backend.predictor import Predictor
from backend.store import Correction, FeedbackFull, Store, StoreUnavailable
from models.feedback import dataset_bytes

bp = Blueprint("feedback", __name__)
log = logging.getLogger(__name__)
RETRY_AFTER_S = 30  # what a 503 tells the client to wait before trying again
UNAVAILABLE = "corrections cannot be kept or read right now (the database does not answer); nothing was changed"


@bp.errorhandler(StoreUnavailable)
def _unavailable(exc: StoreUnavailable):
    """The database stopped answering: 503 and a one-line warning, not a 500 and a traceback per request."""
    log.warning("feedback database unavailable: %s", exc)
    answer = error_body("feedback_unavailable", f"{UNAVAILABLE}; try again later")
    return jsonify(answer), 503, {"Retry-After": str(RETRY_AFTER_S)}


def _store() -> Store:
    return current_app.extensions["store"]


def _class_index(value: object, predictor: Predictor, name: str, required: bool) -> int | None:
    """A class index (or, for digit models, the digit itself as text), checked against the model's classes."""
    if value is None or value == "":
        if required:
            raise ApiError(
                400,
                f"missing_{name}",
                f"send '{name}': the class index of the right answer (0-{len(predictor.classes) - 1})",
            )
        return None
    try:
        index = int(str(value).strip())
    except ValueError:
        index = -1
    if not 0 <= index < len(predictor.classes) or isinstance(value, bool):
        raise ApiError(
            400,
            f"invalid_{name}",
            f"'{name}' must be a class index from 0 to {len(predictor.classes) - 1}, got {value!r}",
        )
    return index


def _fields() -> tuple[bytes, object, object]:
    """The image and the label and predicted fields, wherever the request form keeps them."""
    if (request.mimetype or "").lower() == "application/json":
        payload = json_body()
        image = single_image(payload)
        return (
            image,
            payload.get("label", request.args.get("label")),
            payload.get("predicted", request.args.get("predicted")),
        )
    image = single_image()
    form = request.form if (request.mimetype or "").lower() == "multipart/form-data" else {}
    return image, form.get("label", request.args.get("label")), form.get("predicted", request.args.get("predicted"))


@bp.post("/feedback")
def add():
    """One correction: the image (any form /predict takes) and the right `label` -> 201 {id, delete_token}."""
    current_app.extensions["feedback_limit"].check(request.remote_addr or "")  # before any work: floods cost little
    predictor = requested_model()
    image, label, predicted = _fields()
    label = _class_index(label, predictor, "label", required=True)
    predicted = _class_index(predicted, predictor, "predicted", required=False)
    prepared = predictor.prepare(image, current_app.extensions["settings"].max_image_pixels)
    probs = predictor.predict(prepared.input[None])[0]
    correction = Correction(
        model=predictor.name,
        model_sha256=predictor.card["sha256"],
        label=label,
        predicted=predicted if predicted is not None else int(probs.argmax()),
        probabilities=[round(float(p), 6) for p in probs],
        input=prepared.field.tobytes(),
        input_shape="x".join(map(str, prepared.field.shape)),
        image=image,
    )
    try:
        new_id, token = _store().add(correction)
    except FeedbackFull:
        limit = _store().max_rows
        raise ApiError(
            507, "feedback_full", f"the store already keeps {limit} corrections (FEEDBACK_MAX_ROWS)"
        ) from None
    return jsonify({"id": new_id, "delete_token": token}), 201


@bp.delete("/feedback/<int:correction_id>")
def delete(correction_id: int):
    """Undo a correction: its delete token in X-Delete-Token -> 204."""
    token = request.headers.get("X-Delete-Token", "")
    if not token:
        raise ApiError(401, "missing_token", "send the correction's delete token in the X-Delete-Token header")
    deleted = _store().delete(correction_id, token)
    if deleted is None:
        raise ApiError(404, "not_found", f"there is no correction {correction_id}")
    if not deleted:
        raise ApiError(403, "invalid_token", "that delete token is not this correction's")
    return Response(status=204)


@bp.get("/feedback/stats")
def stats():
    """How many corrections, by label and by model; no images."""
    return jsonify(_store().stats())


@bp.get("/feedback/export")
def export():
    """Every correction as a data set file (.npz), for `Authorization: Bearer $ADMIN_TOKEN`; 404 without ADMIN_TOKEN."""
    admin = current_app.extensions["settings"].admin_token
    if not admin:
        raise ApiError(404, "not_found", "no such route (set ADMIN_TOKEN to enable the export)")
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not secrets.compare_digest(given.encode(), admin.encode()):
        raise ApiError(401, "unauthorized", "send Authorization: Bearer <ADMIN_TOKEN>")
    data = dataset_bytes(_store().rows())
    return Response(
        data,
        mimetype="application/octet-stream",
        headers={"Content-Disposition": "attachment; filename=corrections.npz"},
    )
