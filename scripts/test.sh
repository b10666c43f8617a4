#!/usr/bin/env bash
# One command: set up everything the tests need, then run every test (extra args go to pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh dev
.venv/bin/ruff check . && .venv/bin/ruff format --check .
exec .venv/bin/python -m pytest "$@"
