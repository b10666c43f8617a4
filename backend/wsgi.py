"""The WSGI entry point for gunicorn: `backend.wsgi:app`. A failed start exits with one clear line."""

import sys

from backend.app import StartupError, create_app

try:
    app = create_app()
except StartupError as exc:
    sys.exit(f"error: {exc}")
