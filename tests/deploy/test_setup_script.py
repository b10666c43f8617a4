"""scripts/setup.sh, the README's one command: a mode it does not know stops it at once, before any install."""

from __future__ import annotations

import subprocess

from harness import ROOT


def test_an_unknown_setup_mode_is_refused_before_anything_is_installed():
    done = subprocess.run(["bash", "scripts/setup.sh", "devv"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stderr.strip() == "usage: scripts/setup.sh [run|dev] (not 'devv')"
    assert done.stdout == ""  # not even "== creating .venv"
