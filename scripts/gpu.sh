#!/usr/bin/env bash
# The GPU path, proven and timed on a host with an NVIDIA GPU (data fetched, requirements-dev.txt installed):
#   bash scripts/gpu.sh train   # the shipped MNIST commands (base, then fine-tune) on CUDA (-> runs/gpu-digitnet.*), timed
#   bash scripts/gpu.sh speed   # bench.train_speed on CUDA: our trainer against the seed-style loop, to 99%
#   bash scripts/gpu.sh serve   # bench/gpu.py: the same drawings through gunicorn with DEVICE=cuda and DEVICE=cpu
#   bash scripts/gpu.sh         # all three
# PYTHON names the interpreter (default .venv/bin/python), INPUTS the drawings (default runs/gpu-inputs.npz, made
# where Chromium runs by `python -m bench.gpu --save runs/gpu-inputs.npz`). Figures: runs/gpu-digitnet.json (the
# card: metrics.train_seconds, test_accuracy), bench/results/train_speed-cuda.json, bench/results/gpu.json.
set -euo pipefail
cd "$(dirname "$0")/.."
py=${PYTHON:-.venv/bin/python}
stage=${1:-all}
if [[ $stage == train || $stage == all ]]; then
  # the shipped checkpoint's own commands (from its card; a fine-tune's card names every command before it), in
  # turn, written to runs/gpu-digitnet.pt instead (a fine-tune starting from there)
  SECONDS=0
  while read -ra step; do
    echo "+ python -m models.train ${step[*]} --device cuda --out runs/gpu-digitnet.pt"
    $py -m models.train "${step[@]}" --device cuda --out runs/gpu-digitnet.pt
  done < <($py -m models.finetune --steps models/checkpoints/mnist-digitnet.pt runs/gpu-digitnet.pt)
  echo "trained the shipped commands on CUDA in ${SECONDS} s, wall clock (data, calibration and export included)"
fi
if [[ $stage == speed || $stage == all ]]; then
  $py -m bench.train_speed --device cuda
fi
if [[ $stage == serve || $stage == all ]]; then
  $py -m bench.gpu --inputs "${INPUTS:-runs/gpu-inputs.npz}"
fi
