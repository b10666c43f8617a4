"""The application factory: settings, models, API, errors, CORS and the built frontend."""

from __future__ import annotations

import logging
import mimetypes
import os
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify, request, send_from_directory
from flask_cors import CORS
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.security import safe_join

from backend import api, errors, feedback
from backend.config import ConfigError, Settings, load_settings
from backend.pairs import PairReader
from backend.predictor import EngineUnavailable, load_all
from backend.ratelimit import RateLimit
from backend.store import Store, StoreError
from models.runtime import CheckpointError

log = logging.getLogger(__name__)


class StartupError(RuntimeError):
    """The service cannot start; the message says why in one line."""


PRECOMPRESSED = (("br", ".br"), ("gzip", ".gz"))  # what the frontend's build writes beside each text file, best first


def _send_built(directory: Path, name: str, **options: Any) -> Response:
    """A file of the built frontend: its Brotli or gzip copy (written by the build) to a client that takes it, else
    the file itself; the mimetype, caching and conditional requests as send_from_directory gives them."""
    path = safe_join(str(directory), name)
    for coding, suffix in PRECOMPRESSED:
        if path is not None and request.accept_encodings[coding] and os.path.isfile(path + suffix):
            response = send_from_directory(directory, name + suffix, mimetype=mimetypes.guess_type(name)[0], **options)
            response.headers["Content-Encoding"] = coding
            break
    else:
        response = send_from_directory(directory, name, **options)
    response.vary.add("Accept-Encoding")
    return response


def _frontend(app: Flask, settings: Settings) -> None:
    index = settings.static_dir / "index.html"

    @app.get("/")
    def home():
        if not index.is_file():
            return jsonify({"message": "the API is up; the frontend is not built (npm --prefix frontend run build)"})
        return _send_built(settings.static_dir, "index.html")

    @app.get("/assets/<path:name>")
    def assets(name: str):
        return _send_built(settings.static_dir / "assets", name, max_age=31536000)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. `config` overrides environment settings (tests); raises StartupError."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings(config)
        predictors = load_all(settings)
        pairs = PairReader(settings.pair_model, settings.pair_threads) if settings.pair_model else None
        store = Store(settings.database_url, settings.feedback_max_rows)
        feedback_limit = RateLimit(settings.feedback_rate_limit, settings.ratelimit_storage_uri, "feedback")
    except (ConfigError, CheckpointError, EngineUnavailable, StoreError) as exc:
        raise StartupError(f"cannot start: {exc}") from None
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_upload_bytes
    app.json.sort_keys = False
    app.extensions["settings"] = settings
    app.extensions["predictors"] = predictors
    app.extensions["pairs"] = pairs  # the pair reader of /predict/number (None: touching digits are not split)
    app.extensions["store"] = store
    if settings.trusted_proxies:  # the client's address for rate limits, from the proxies' X-Forwarded-For
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies)
    CORS(
        app,
        origins=list(settings.cors_origins),
        methods=["GET", "POST", "DELETE"],
        allow_headers=["Content-Type", "X-Delete-Token", "Authorization"],
        max_age=600,
    )
    app.extensions["feedback_limit"] = feedback_limit
    app.register_blueprint(api.bp)
    app.register_blueprint(feedback.bp)
    errors.register(app)
    _frontend(app, settings)
    return app
