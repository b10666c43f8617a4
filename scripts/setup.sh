#!/usr/bin/env bash
# Set up everything from the project's own files: `scripts/setup.sh [run|dev]`.
#   run: .venv with the server's requirements + the built frontend
#   dev: run + training/test requirements, Chromium for the browser tests, the data sets
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-run}"
case "$mode" in
  run | dev) ;;
  *) echo "usage: scripts/setup.sh [run|dev] (not '$mode')" >&2 && exit 2 ;;
esac
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3

if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv with $PYTHON"
  "$PYTHON" -m venv .venv
fi
reqs=requirements.txt
[ "$mode" = dev ] && reqs=requirements-dev.txt
# A full disk otherwise shows up as pip's bare "OSError: [Errno 28]": say so first, with what it takes.
# dev: torch's CUDA build and its nvidia libraries (~5.6 GB) + the data sets; run: ~0.5 GB.
need_mb=1024; biggest=onnxruntime
[ "$mode" = dev ] && need_mb=8192 && biggest=torch
if ! .venv/bin/python -c "import $biggest" 2>/dev/null; then
  free_mb=$(df -Pm . | awk 'NR == 2 {print $4}')
  if [ "$free_mb" -lt "$need_mb" ]; then
    echo "setup.sh: $free_mb MB free on $(df -P . | awk 'NR == 2 {print $6}'), $mode needs about $need_mb MB" >&2
    exit 1
  fi
fi
echo "== pip install -r $reqs"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$reqs" 2> >(grep -v "is ignored: it is neither" >&2)

if [ ! -f frontend/dist/index.html ] || [ -n "$(find frontend/src frontend/index.html frontend/package.json frontend/vite.config.js -newer frontend/dist/index.html 2>/dev/null | head -1)" ]; then
  echo "== building the frontend"
  # `npm install` (not `npm ci`): it installs the locked versions, but does not insist on lock entries for other
  # platforms' optional rollup binaries, which the npm registry reachable here does not serve.
  npm --prefix frontend install --no-audit --no-fund --loglevel=error
  npm --prefix frontend run build --silent
fi

if [ "$mode" = dev ]; then
  # Debian packages the tests use: Chromium (browser tests), PostgreSQL (the feedback store), wrk (benchmarks)
  missing=""
  [ -x /usr/bin/chromium ] || missing="$missing chromium chromium-driver"
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$missing postgresql"
  command -v wrk >/dev/null || missing="$missing wrk"
  if [ -n "$missing" ]; then
    echo "== installing Debian packages:$missing"
    sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd=sudo
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
  echo "== data sets"
  .venv/bin/python -m models.data fetch all
fi
