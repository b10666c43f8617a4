"""A Heroku-style build of the committed tree, done the way the host does it, to test and measure a deploy.

From `git archive HEAD` into a fresh build directory: .slugignore applied; the buildpacks app.json
declares, in order -- Node (heroku/nodejs) only when declared: `npm ci` at the root, then
`heroku-postbuild` (or `build`) with NODE_ENV=production, devDependencies pruned, `heroku-cleanup`;
then Python (heroku/python): the Python that .python-version names, a fresh environment in
.heroku/python (never a committed .venv: the buildpack refuses one), `pip install -r requirements.txt`
with no Node on PATH, then `bin/post_compile`. The web dyno runs the Procfile's web command from there.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from harness import ROOT

NODE_TOOLS = {"node", "nodejs", "npm", "npx", "corepack"}


class BuildFailed(RuntimeError):
    """A build step failed; the message has the step and its output."""


@dataclass
class Build:
    """A finished build: the app directory (the slug's /app), its Python environment, the step log."""

    app_dir: Path
    python_dir: Path
    buildpacks: list[str]
    log: list[str] = field(default_factory=list)

    @property
    def bin_dir(self) -> Path:
        return self.python_dir / "bin"

    def dyno_env(self, **extra: str) -> dict[str, str]:
        """The environment of a web dyno: the build's Python first on PATH, no Node, nothing of this shell."""
        return {
            "PATH": f"{self.bin_dir}:{without_node_path(self.app_dir.parent)}",
            "HOME": str(self.app_dir),
            "LANG": "C.UTF-8",
            "DYNO": "web.1",
            **extra,
        }


def without_node_path(work: Path) -> str:
    """A directory of links to every tool on PATH except Node's, as a PATH value (made once per build)."""
    shim = work / "bin-without-node"
    if not shim.is_dir():
        shim.mkdir(parents=True)
        for folder in os.environ["PATH"].split(":"):
            if not os.path.isdir(folder):
                continue
            for name in os.listdir(folder):
                target = Path(folder) / name
                if name not in NODE_TOOLS and not (shim / name).exists() and os.access(target, os.X_OK):
                    (shim / name).symlink_to(target)
    return str(shim)


def _run(build: Build, step: str, cmd: list[str], cwd: Path, env: dict[str, str]) -> None:
    out = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    build.log.append(f"-----> {step}: {' '.join(cmd)}\n{out.stdout}{out.stderr}")
    if out.returncode != 0:
        raise BuildFailed(f"{step} failed ({' '.join(cmd)}, exit {out.returncode}):\n{out.stdout}{out.stderr}")


def checkout(dest: Path, ref: str = "HEAD") -> Path:
    """`git archive REF` of this repository, unpacked into dest/app (what a `git push` sends)."""
    app = dest / "app"
    app.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", "--format=tar", ref], cwd=ROOT, capture_output=True)
    if archive.returncode:
        raise BuildFailed(f"git archive {ref}: {archive.stderr.decode(errors='replace').strip()}")
    subprocess.run(["tar", "-x", "-C", str(app)], input=archive.stdout, check=True)
    return app


def slugignore(app: Path) -> None:
    """Remove what .slugignore lists, as Heroku does before the build starts."""
    ignore = app / ".slugignore"
    if ignore.is_file():
        for line in ignore.read_text().splitlines():
            pattern = line.split("#", 1)[0].strip().strip("/")
            for path in app.glob(pattern) if pattern else ():
                shutil.rmtree(path) if path.is_dir() else path.unlink()


def declared_buildpacks(app: Path) -> list[str]:
    """The buildpacks app.json lists, in order; without them Heroku detects one (Node.js wins over Python)."""
    manifest = app / "app.json"
    if not manifest.is_file():
        return ["heroku/nodejs" if (app / "package.json").is_file() else "heroku/python"]
    return [bp["url"] for bp in json.loads(manifest.read_text()).get("buildpacks", [])]


def node_steps(build: Build) -> None:
    """The Node buildpack: install (devDependencies too), heroku-postbuild with NODE_ENV=production, prune, cleanup."""
    app = build.app_dir
    if not (app / "package.json").is_file():
        raise BuildFailed("heroku/nodejs needs a package.json at the root")
    scripts = json.loads((app / "package.json").read_text()).get("scripts", {})
    env = {**os.environ, "NODE_ENV": "production", "NPM_CONFIG_FUND": "false", "NPM_CONFIG_AUDIT": "false"}
    install = ["npm", "ci", "--include=dev"] if (app / "package-lock.json").is_file() else ["npm", "install"]
    _run(build, "node: install", install, app, env)
    script = "heroku-postbuild" if "heroku-postbuild" in scripts else "build" if "build" in scripts else None
    if script:
        _run(build, f"node: {script}", ["npm", "run", script], app, env)
    _run(build, "node: prune devDependencies", ["npm", "prune", "--omit=dev"], app, env)
    if "heroku-cleanup" in scripts:
        _run(build, "node: heroku-cleanup", ["npm", "run", "heroku-cleanup"], app, env)


def python_for(app: Path) -> str:
    """The interpreter for the version .python-version names (this machine's, as the buildpack installs its own)."""
    wanted = (app / ".python-version").read_text().strip() if (app / ".python-version").is_file() else None
    if wanted is None:
        raise BuildFailed("no .python-version: the host would build on its own default Python")
    found = shutil.which(f"python{wanted}")
    if not found:
        raise BuildFailed(f".python-version asks for Python {wanted}, which this machine lacks")
    return found


def python_steps(build: Build) -> None:
    """The Python buildpack: a fresh environment, requirements.txt, bin/post_compile; Node nowhere on PATH."""
    app = build.app_dir
    if (app / ".venv").exists():
        raise BuildFailed("a committed .venv: the Python buildpack refuses it")
    env = {
        "PATH": without_node_path(app.parent),
        "HOME": str(app.parent),
        "LANG": "C.UTF-8",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_CACHE_DIR": str(Path.home() / ".cache" / "pip"),
    }
    _run(build, "python: runtime", [python_for(app), "-m", "venv", str(build.python_dir)], app, env)
    env["PATH"] = f"{build.bin_dir}:{env['PATH']}"
    _run(build, "python: requirements", ["pip", "install", "--quiet", "-r", "requirements.txt"], app, env)
    if (app / "bin" / "post_compile").is_file():
        _run(build, "python: bin/post_compile", ["bin/post_compile"], app, env)


def build(dest: Path, ref: str = "HEAD") -> Build:
    """Check out `ref` under dest/ and build it as the declared buildpacks would. Raises BuildFailed."""
    app = checkout(dest, ref)
    slugignore(app)
    result = Build(app, app / ".heroku" / "python", declared_buildpacks(app))
    for buildpack in result.buildpacks:
        {"heroku/nodejs": node_steps, "heroku/python": python_steps}[buildpack](result)
    if "heroku/python" not in result.buildpacks:
        raise BuildFailed(f"buildpacks {result.buildpacks}: none installs Python, so the Procfile cannot run")
    return result


class _Counter:
    """A write-only file that only counts bytes."""

    def __init__(self):
        self.bytes = 0

    def write(self, data: bytes) -> int:
        self.bytes += len(data)
        return len(data)

    def flush(self) -> None:
        pass


def _files(top: Path, skip: set[Path]):
    """Every file and link under `top`, skipping the directories in `skip`."""
    for folder, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if Path(folder, d) not in skip and not Path(folder, d).is_symlink())
        yield from (Path(folder, name) for name in sorted(files))
        yield from (
            Path(folder, name)
            for name in os.listdir(folder)
            if Path(folder, name).is_symlink() and Path(folder, name).is_dir()
        )


def slug_bytes(result: Build) -> dict[str, int]:
    """The slug as Heroku would store it (tar.gz): the app with its environment, plus the Python runtime
    itself (here a venv links to it; Heroku copies it into .heroku/python), without site-packages and tests."""
    base = Path(sys.base_prefix)
    stdlib = base / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    counter, raw = _Counter(), 0
    with (
        gzip.GzipFile(fileobj=counter, mode="wb", compresslevel=6, mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w") as tar,
    ):
        for top, skip, arcname in (
            (result.app_dir, set(), "app"),
            (base, {stdlib / "site-packages", stdlib / "test"}, "app/.heroku/runtime"),
        ):
            for path in _files(top, skip):
                tar.add(path, arcname=f"{arcname}/{path.relative_to(top)}", recursive=False)
                raw += path.lstat().st_size
    return {"compressed": counter.bytes, "uncompressed": raw}
