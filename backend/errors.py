"""One error type for the API, and handlers that turn every failure into JSON {"error": {code, message}}."""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from backend.preprocess import PreprocessError

log = logging.getLogger(__name__)

# HTTP status of each preprocessing failure.
PREPROCESS_STATUS = {
    "empty_body": 400,
    "undecodable_image": 422,
    "empty_image": 422,
    "unsupported_image_format": 415,
    "image_too_large": 413,
    "too_many_digits": 422,
}


class ApiError(Exception):
    """A client-facing error with its HTTP status, a stable code and a human message."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def from_preprocess(exc: PreprocessError) -> ApiError:
    """The API error for a preprocessing failure."""
    return ApiError(PREPROCESS_STATUS.get(exc.code, 422), exc.code, exc.message)


def body(code: str, message: str) -> dict:
    """The JSON error body."""
    return {"error": {"code": code, "message": message}}


def register(app: Flask) -> None:
    """Install the handlers: ApiError, PreprocessError, any HTTP error, and the unexpected."""

    @app.errorhandler(ApiError)
    def _api(exc: ApiError):
        return jsonify(body(exc.code, exc.message)), exc.status

    @app.errorhandler(PreprocessError)
    def _pre(exc: PreprocessError):
        return _api(from_preprocess(exc))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        code = (exc.name or "error").lower().replace(" ", "_")
        if exc.code == 413:
            message = f"the request body is larger than {app.config['MAX_CONTENT_LENGTH']} bytes"
        else:
            message = exc.description or exc.name
        response = exc.get_response()  # keeps headers such as Allow on a 405
        response.set_data(jsonify(body(code, message)).get_data())
        response.content_type = "application/json"
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error")
        return jsonify(body("internal_error", "the server failed to answer; this is a bug on our side")), 500
