"""gunicorn settings: `gunicorn -c gunicorn.conf.py` (the Procfile's command).

Every value comes from the environment through the app's own settings code (backend/config.py),
so a bad value stops the server with the same one-line message the app would give. The app, and
with it every model, is loaded once in the master before the workers fork (preload_app), so the
workers share the weights and libraries copy-on-write. Each worker then gets its models ready
(torch: thread pool, and the network onto the GPU; ONNX Runtime: its own sessions where a model has
more than one thread, since a forked process inherits none of a session's threads). The workers are
backend/worker.py's: gunicorn's sync worker, handed only requests that have arrived whole, so a slow
client holds none (with GUNICORN_THREADS > 1, handled by that many threads a worker).
"""

import gc
import os
import sys

from gunicorn.workers.sync import SyncWorker

from backend import worker
from backend.config import ConfigError, load_settings

try:
    settings = load_settings()
except ConfigError as exc:
    sys.exit(f"error: cannot start: {exc}")

bind = f"{settings.host}:{settings.port}"
workers = settings.web_concurrency
threads = settings.gunicorn_threads
# workers that handle only requests that have arrived whole (in `threads` threads), so slow clients hold none
worker_class = worker.configured(settings.max_upload_bytes, settings.gunicorn_read_timeout)
wsgi_app = "backend.wsgi:app"
preload_app = True
timeout = settings.gunicorn_timeout
graceful_timeout = settings.gunicorn_graceful_timeout
keepalive = 5
max_requests = settings.gunicorn_max_requests
max_requests_jitter = max_requests // 10
accesslog = settings.gunicorn_accesslog or None  # empty: no access log
errorlog = "-"
loglevel = settings.log_level
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # heartbeat files off the disk
# gunicorn's runtime control socket is one fixed path per user: off, so several servers
# (tests, benchmarks) can run side by side and a dyno exposes nothing extra.
control_socket_disable = True
# At most this many connections a stopping worker still answers from the listening socket's queue.
DRAIN_LIMIT = 64


def when_ready(server):
    """After the preloaded app is built: freeze its objects so forked workers do not copy them on gc."""
    gc.collect()
    gc.freeze()


def post_fork(server, worker):
    """In each new worker, before it takes a request."""
    app = server.app.wsgi()
    for predictor in app.extensions["predictors"].values():
        predictor.after_fork()
    if app.extensions["pairs"] is not None:
        app.extensions["pairs"].after_fork()
    app.extensions["store"].after_fork()


def worker_exit(server, worker):
    """In a worker leaving (SIGTERM, max_requests): answer the connections already queued for it.

    A sync worker stops between two requests; a client whose connection the kernel had already
    queued on the shared listening socket would otherwise get a reset when the last worker closes
    it. gunicorn also calls this hook in the master for a worker that is already gone: nothing then.
    (backend/worker.py takes the queued connections itself before it stops; any that came after are
    answered here.)
    """
    if worker.pid != os.getpid() or not worker.booted or not isinstance(worker, SyncWorker):
        return
    for listener in worker.sockets:
        for _ in range(DRAIN_LIMIT):
            try:
                worker.accept(listener)  # non-blocking listener: raises once the queue is empty
            except OSError:
                break
