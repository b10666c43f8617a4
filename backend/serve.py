"""Start gunicorn with gunicorn.conf.py once every setting is valid: `python -m backend.serve` (the Procfile).

gunicorn reads WEB_CONCURRENCY with a bare int() as soon as it is imported, so `WEB_CONCURRENCY=x`
would end in its traceback before gunicorn.conf.py runs. The settings are checked here first, and
anything wrong stops the start with one line. Extra arguments go to gunicorn.
"""

from __future__ import annotations

import sys

from backend.config import ROOT, ConfigError, load_settings


def main() -> None:
    try:
        load_settings()
    except ConfigError as exc:
        sys.exit(f"error: cannot start: {exc}")
    from gunicorn.app.wsgiapp import run

    sys.argv = ["gunicorn", "--config", str(ROOT / "gunicorn.conf.py"), *sys.argv[1:]]
    run()


if __name__ == "__main__":
    main()
