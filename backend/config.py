"""Settings from the environment (with defaults), validated once at startup."""

from __future__ import annotations

import os
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
    inference_engine: str = "auto"  # auto (ONNX Runtime on CPUs when a twin exists) | torch | onnxruntime
    cors_origins: tuple[str, ...] = ("http://localhost:8000", "http://127.0.0.1:8000", "http://localhost:5173")
    max_upload_bytes: int = 2 * 1024 * 1024
    max_image_pixels: int = 4096 * 4096
    max_batch: int = 32
    uncertain_below: float = 0.6
    torch_threads: int = 1
    static_dir: Path = ROOT / "frontend" / "dist"

    @property
    def default_model(self) -> str:
        return next(iter(self.models))


def _parse_models(text: str) -> dict[str, Path]:
    models = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, path = item.partition("=")
        if not sep or not name.strip() or not path.strip():
            raise ConfigError(f"MODELS entry {item!r} must look like name=path/to/checkpoint.pt")
        models[name.strip()] = Path(path.strip())
    if not models:
        raise ConfigError("MODELS names no checkpoint")
    return models


def _int(name: str, value: Any, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a whole number, got {value!r}") from None
    if not low <= number <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {number}")
    return number


def load_settings(overrides: dict[str, Any] | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Defaults, then the environment, then `overrides` (tests); validated. Raises ConfigError."""
    env = os.environ if environ is None else environ
    raw: dict[str, Any] = {f.name: env[f.name.upper()] for f in fields(Settings) if f.name.upper() in env}
    raw.update(overrides or {})
    models = raw.get("models", DEFAULT_MODELS)
    models = dict(models) if isinstance(models, dict) else _parse_models(models)
    model_path = raw.pop("model_path", env.get("MODEL_PATH"))
    if model_path:  # MODEL_PATH replaces the default model's checkpoint
        models[next(iter(models))] = Path(model_path)
    origins = raw.get("cors_origins", Settings.cors_origins)
    if isinstance(origins, str):
        origins = tuple(o.strip() for o in origins.split(",") if o.strip())
    device = str(raw.get("device", "auto")).lower()
    if device not in ("auto", "cpu", "cuda"):
        raise ConfigError(f"DEVICE must be auto, cpu or cuda, got {device!r}")
    engine = str(raw.get("inference_engine", "auto")).lower()
    if engine not in ("auto", "torch", "onnxruntime"):
        raise ConfigError(f"INFERENCE_ENGINE must be auto, torch or onnxruntime, got {engine!r}")
    if engine == "onnxruntime" and device == "cuda":
        raise ConfigError("INFERENCE_ENGINE=onnxruntime runs on the CPU; it cannot be combined with DEVICE=cuda")
    try:
        uncertain = float(raw.get("uncertain_below", Settings.uncertain_below))
    except ValueError:
        raise ConfigError(f"UNCERTAIN_BELOW must be a number, got {raw['uncertain_below']!r}") from None
    if not 0 <= uncertain <= 1:
        raise ConfigError(f"UNCERTAIN_BELOW must be between 0 and 1, got {uncertain}")
    return replace(
        Settings(),
        models={name: Path(p) for name, p in models.items()},
        device=device,
        inference_engine=engine,
        cors_origins=tuple(origins),
        max_upload_bytes=_int(
            "MAX_UPLOAD_BYTES", raw.get("max_upload_bytes", Settings.max_upload_bytes), 1024, 1 << 30
        ),
        # capped below Pillow's own decompression-bomb limit (89M), so ours is the one that answers
        max_image_pixels=_int("MAX_IMAGE_PIXELS", raw.get("max_image_pixels", Settings.max_image_pixels), 64, 1 << 26),
        max_batch=_int("MAX_BATCH", raw.get("max_batch", Settings.max_batch), 1, 1024),
        uncertain_below=uncertain,
        torch_threads=_int("TORCH_THREADS", raw.get("torch_threads", Settings.torch_threads), 1, 256),
        static_dir=Path(raw.get("static_dir", Settings.static_dir)),
    )
