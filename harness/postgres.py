"""A real PostgreSQL server for the tests and benchmarks, in a temporary directory, on 127.0.0.1.

Debian's `postgresql` package (installed by scripts/setup.sh dev). initdb refuses to run as root, so
as root the cluster belongs to the `postgres` user and its commands run through `runuser`.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from harness.server import free_port


def binaries() -> Path:
    """The folder with initdb and pg_ctl (the newest installed PostgreSQL)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql (scripts/setup.sh dev does it)")
    return Path(found[-1]).parent


class Postgres:
    """A throwaway PostgreSQL cluster: `with Postgres() as pg: pg.url`."""

    def __init__(self):
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="pg-"))
        self.url = f"postgresql://app@127.0.0.1:{self.port}/postgres"

    def _as_owner(self, *cmd: str) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else list(cmd)

    def start(self) -> Postgres:
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        data = str(self.dir / "data")
        bin_dir = binaries()
        run = {"check": True, "capture_output": True, "text": True}
        subprocess.run(
            self._as_owner(str(bin_dir / "initdb"), "-D", data, "-A", "trust", "-U", "app", "--no-sync"), **run
        )
        self.resume()
        return self

    def _pg_ctl(self, *args: str, check: bool = True) -> None:
        command = self._as_owner(str(binaries() / "pg_ctl"), "-D", str(self.dir / "data"), "-w", "-t", "60", *args)
        subprocess.run(command, check=check, capture_output=True, text=True)

    def resume(self) -> None:
        """Start the server (again), on the same port, with the data it had."""
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=on"
        self._pg_ctl("-o", options, "-l", str(self.dir / "log"), "start")

    def pause(self) -> None:
        """Stop the server, keeping its data (as a database restarting or down for a while looks to its clients)."""
        self._pg_ctl("-m", "fast", "stop")

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "stop", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Postgres:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
