#!/usr/bin/env bash
# One command: set up, then serve the app with the shipped model at http://localhost:${PORT:-8000}.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh run
export PORT="${PORT:-8000}" PATH="$PWD/.venv/bin:$PATH"
echo "== serving on http://localhost:$PORT"
exec python -m backend.serve
