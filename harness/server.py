"""The Procfile's gunicorn on 127.0.0.1, started and always stopped: the one server of the tests and benchmarks."""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psutil
import requests

from harness import ROOT


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def procfile_command(app_dir: Path = ROOT) -> list[str]:
    """The Procfile's web: command, split into argv."""
    line = next(x for x in (app_dir / "Procfile").read_text().splitlines() if x.startswith("web:"))
    return shlex.split(line.removeprefix("web:").strip())


def post(url: str, blob: bytes, route: str = "/predict", timeout: float = 30) -> requests.Response:
    """POST an image's bytes to url + route as a script sends them (Content-Type image/png)."""
    return requests.post(url + route, data=blob, headers={"Content-Type": "image/png"}, timeout=timeout)


def post_png(url: str, blob: bytes, route: str) -> tuple[dict, float]:
    """`post`, timed: (the JSON answer, milliseconds it took)."""
    t0 = time.perf_counter()
    r = post(url, blob, route)
    return r.json(), (time.perf_counter() - t0) * 1000


def mapped_files(pid: int) -> set[str]:
    """Every file a process has mapped into memory (its shared libraries among them), from /proc/PID/maps."""
    with open(f"/proc/{pid}/maps") as maps:
        return {parts[5] for line in maps if len(parts := line.split(maxsplit=5)) == 6 and parts[5].startswith("/")}


class Server:
    """The Procfile's web command on 127.0.0.1:<free port>, as a context manager that always stops it.

    `app_dir` and `bin_dir` run another build of the app (a Heroku-style one) from its own environment;
    by default, this checkout with .venv/bin first on PATH. `args` go to gunicorn (e.g. another WSGI app)."""

    def __init__(
        self,
        env: dict[str, str] | None = None,
        workers: int = 2,
        app_dir: Path = ROOT,
        bin_dir: Path = ROOT / ".venv" / "bin",
        args: tuple[str, ...] = (),
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app_dir = app_dir
        self.env = {
            **os.environ,
            "PORT": str(self.port),
            "HOST": "127.0.0.1",
            "WEB_CONCURRENCY": str(workers),
            "GUNICORN_ACCESSLOG": "",
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            **(env or {}),
        }
        self.workers = workers
        self.args = args
        self.proc: subprocess.Popen | None = None
        self.first_ready_after = 0.0  # seconds from start to the first 200 from /ready
        self.ready_after = 0.0  # ... and to every worker forked

    def start(self, timeout: float = 90) -> Server:
        self._log = tempfile.TemporaryFile()
        started = time.monotonic()
        self.proc = subprocess.Popen(
            [*procfile_command(self.app_dir), *self.args],
            cwd=self.app_dir,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        while time.monotonic() < started + timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}:\n{self.output()}")
            try:
                ready = requests.get(self.url + "/ready", timeout=2).status_code == 200
                if ready and not self.first_ready_after:
                    self.first_ready_after = time.monotonic() - started
                if ready and len(self.worker_pids()) == self.workers:  # every worker forked, not just the first
                    self.ready_after = time.monotonic() - started
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"gunicorn did not become ready in {timeout}s:\n{self.output()}")

    def output(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def worker_pids(self) -> list[int]:
        return [c.pid for c in psutil.Process(self.proc.pid).children()]

    def pids(self) -> list[int]:
        """The master first, then its workers."""
        return [self.proc.pid, *self.worker_pids()]

    def cpu_seconds(self) -> float:
        """CPU seconds (user and system) the master and its workers have used so far."""
        return sum(sum(psutil.Process(pid).cpu_times()[:2]) for pid in self.pids())

    def memory(self) -> dict:
        """RSS and PSS in MB of the master and each worker, and their sums (PSS counts shared pages once)."""
        info = [psutil.Process(pid).memory_full_info() for pid in self.pids()]
        mb = 1024 * 1024
        return {
            "processes": len(info),
            "rss_mb": [round(i.rss / mb, 1) for i in info],
            "pss_mb": [round(i.pss / mb, 1) for i in info],
            "rss_total_mb": round(sum(i.rss for i in info) / mb, 1),
            "pss_total_mb": round(sum(i.pss for i in info) / mb, 1),
        }

    def stop(self, timeout: float = 30) -> int | None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
