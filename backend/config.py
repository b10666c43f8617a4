"""Settings from the environment (with defaults), validated once at startup by the app and by gunicorn.conf.py."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHECKPOINTS = ROOT / "models" / "checkpoints"
DEFAULT_MODELS = f"mnist={CHECKPOINTS / 'mnist-digitnet.pt'},fashion-mnist={CHECKPOINTS / 'fashion-mnist.pt'}"


class ConfigError(ValueError):
    """A setting that cannot work; the message names it and says what is allowed."""


@dataclass(frozen=True)
class Settings:
    """Everything the service can be told. Environment names are the field names in upper case."""

    models: dict[str, Path] = field(default_factory=dict)  # name -> checkpoint; the first is the default
    device: str = "auto"  # auto | cpu | cuda
    inference_engine: str = "auto"  # auto (ONNX Runtime on CPUs, torch on a GPU) | torch | onnxruntime
    cors_origins: tuple[str, ...] = ("http://localhost:8000", "http://127.0.0.1:8000", "http://localhost:5173")
    max_upload_bytes: int = 2 * 1024 * 1024
    max_image_pixels: int = 4096 * 4096
    max_batch: int = 32
    max_digits: int = 12  # most digits /predict/number reads in one image
    pair_model: Path | None = CHECKPOINTS / "mnist-pairs.pt"  # reads touching digits; empty: never split a group
    uncertain_below: float | None = None  # None: each model card's own threshold (0.6 where a card has none)
    torch_threads: int = 1
    pair_threads: int = 2  # the pair reader's ONNX Runtime threads per worker (a number's groups, one batch)
    static_dir: Path = ROOT / "frontend" / "dist"
    # corrections (backend/store.py, backend/feedback.py)
    database_url: str | None = None  # None: SQLite in instance/feedback.db
    feedback_max_rows: int = 100_000
    feedback_rate_limit: tuple[Any, ...] = field(  # per client, on POST /feedback: `limits` items, parsed once
        default_factory=lambda: _rate_limit("FEEDBACK_RATE_LIMIT", "30/minute;1000/day")
    )
    ratelimit_storage_uri: str = "memory://"  # per worker; e.g. redis://... to share the count between servers
    admin_token: str | None = None  # GET /feedback/export needs it; unset: that route does not exist
    trusted_proxies: int = 0  # proxies in front that set X-Forwarded-For (Heroku's router: 1)
    # gunicorn (gunicorn.conf.py)
    host: str = "0.0.0.0"
    port: int = 8000
    web_concurrency: int = 2
    gunicorn_threads: int = 1
    gunicorn_timeout: int = 30
    gunicorn_read_timeout: int = 30  # seconds a request may take to arrive whole (backend/worker.py)
    gunicorn_graceful_timeout: int = 20
    gunicorn_max_requests: int = 0
    gunicorn_accesslog: str = "-"  # empty: no access log
    log_level: str = "info"

    @property
    def default_model(self) -> str:
        return next(iter(self.models))


def _int(low: int, high: int) -> Callable[[str, Any], int]:
    def parse(name: str, value: Any) -> int:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{name} must be a whole number, got {value!r}") from None
        if not low <= number <= high:
            raise ConfigError(f"{name} must be between {low} and {high}, got {number}")
        return number

    return parse


def _fraction(name: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
    if not 0 <= number <= 1:
        raise ConfigError(f"{name} must be between 0 and 1, got {number}")
    return number


def _choice(*options: str) -> Callable[[str, Any], str]:
    def parse(name: str, value: Any) -> str:
        text = str(value).strip().lower()
        if text not in options:
            raise ConfigError(f"{name} must be {', '.join(options[:-1])} or {options[-1]}, got {text!r}")
        return text

    return parse


def _models(name: str, value: Any) -> dict[str, Path]:
    if isinstance(value, dict):
        return {str(k): Path(v) for k, v in value.items()}
    models = {}
    for item in filter(None, (part.strip() for part in str(value).split(","))):
        key, sep, path = item.partition("=")
        if not sep or not key.strip() or not path.strip():
            raise ConfigError(f"{name} entry {item!r} must look like name=path/to/checkpoint.pt")
        models[key.strip()] = Path(path.strip())
    if not models:
        raise ConfigError(f"{name} names no checkpoint")
    return models


def _origins(name: str, value: Any) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    return tuple(o.strip() for o in items if o.strip())


def _rate_limit(name: str, value: Any) -> tuple[Any, ...]:
    """'30/minute;1000/day' -> the `limits` library's items (parsed here only)."""
    from limits import parse_many

    try:
        return tuple(parse_many(str(value)))
    except ValueError:
        raise ConfigError(f"{name} must look like '30/minute;1000/day', got {value!r}") from None


def _secret(name: str, value: Any) -> str | None:
    text = str(value).strip()
    if text and len(text) < 16:
        raise ConfigError(f"{name} must be at least 16 characters (or unset)")
    return text or None


PARSERS: dict[str, Callable[[str, Any], Any]] = {
    "models": _models,
    "device": _choice("auto", "cpu", "cuda"),
    "inference_engine": _choice("auto", "torch", "onnxruntime"),
    "cors_origins": _origins,
    "max_upload_bytes": _int(1024, 1 << 30),
    "max_image_pixels": _int(64, 1 << 26),  # capped below Pillow's own decompression-bomb limit (89M)
    "max_batch": _int(1, 1024),
    "max_digits": _int(1, 64),
    "pair_model": lambda name, value: Path(value) if str(value).strip() else None,
    "uncertain_below": _fraction,
    "torch_threads": _int(1, 256),
    "pair_threads": _int(1, 256),
    "static_dir": lambda name, value: Path(value),
    "host": lambda name, value: str(value).strip(),
    "port": _int(1, 65535),
    "web_concurrency": _int(1, 64),
    "gunicorn_threads": _int(1, 256),
    "gunicorn_timeout": _int(1, 3600),
    "gunicorn_read_timeout": _int(1, 3600),
    "gunicorn_graceful_timeout": _int(1, 3600),
    "gunicorn_max_requests": _int(0, 1 << 30),
    "gunicorn_accesslog": lambda name, value: str(value),
    "log_level": _choice("debug", "info", "warning", "error", "critical"),
    "database_url": lambda name, value: str(value).strip() or None,
    "feedback_max_rows": _int(1, 1 << 31),
    "feedback_rate_limit": _rate_limit,
    "ratelimit_storage_uri": lambda name, value: str(value).strip(),
    "admin_token": _secret,
    "trusted_proxies": _int(0, 10),
}


def load_settings(overrides: dict[str, Any] | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Defaults, then the environment, then `overrides` (tests); validated. Raises ConfigError."""
    env = os.environ if environ is None else environ
    raw: dict[str, Any] = {f.name: env[f.name.upper()] for f in fields(Settings) if f.name.upper() in env}
    raw.update(overrides or {})
    raw.setdefault("models", DEFAULT_MODELS)
    model_path = raw.pop("model_path", env.get("MODEL_PATH"))
    values = {key: PARSERS[key](key.upper(), value) for key, value in raw.items()}
    if model_path:  # MODEL_PATH replaces the default model's checkpoint
        values["models"][next(iter(values["models"]))] = Path(model_path)
    settings = replace(Settings(), **values)
    if settings.inference_engine == "onnxruntime" and settings.device == "cuda":
        raise ConfigError("INFERENCE_ENGINE=onnxruntime runs on the CPU; it cannot be combined with DEVICE=cuda")
    return settings
