"""gunicorn settings: `gunicorn -c gunicorn.conf.py` (the Procfile's command).

The app, and with it every model, is loaded once in the master before the workers fork
(preload_app), so workers share the weights and libraries copy-on-write. torch's thread
pool is sized before the fork: TORCH_THREADS per worker (default 1), so WEB_CONCURRENCY
workers use WEB_CONCURRENCY cores and never fight over them.
"""

import gc
import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
wsgi_app = "backend.wsgi:app"
preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None  # empty: no access log
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None


def when_ready(server):
    """After the preloaded app is built: freeze its objects so forked workers do not copy them on gc."""
    gc.collect()
    gc.freeze()


def post_fork(server, worker):
    """Each worker keeps the validated TORCH_THREADS (a forked process starts a fresh thread pool)."""
    import torch

    torch.set_num_threads(server.app.wsgi().extensions["settings"].torch_threads)


# gunicorn's runtime control socket is one fixed path per user: off, so several servers
# (tests, benchmarks) can run side by side and a dyno exposes nothing extra.
control_socket_disable = True
