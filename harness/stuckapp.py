"""A WSGI app whose `/stuck` requests never end (they sleep an hour, after writing STARTED to stderr): what a hung
request looks like to the gunicorn worker (tests/backend/test_slow_clients.py). `/ready` answers at once. It carries the extensions
gunicorn.conf.py's post_fork readies in each worker, empty, so the Procfile's server runs it as it runs the app:
`python -m backend.serve harness.stuckapp:app`."""

from __future__ import annotations

import sys
import time

from flask import Flask

STARTED = "stuck request started"


class _Nothing:
    def after_fork(self) -> None:
        pass


app = Flask(__name__)
app.extensions.update(predictors={}, pairs=None, store=_Nothing())


@app.get("/ready")
def ready():
    return {"status": "ready"}


@app.get("/stuck")
def stuck():
    print(STARTED, file=sys.stderr, flush=True)
    time.sleep(3600)
    return {"status": "never"}
