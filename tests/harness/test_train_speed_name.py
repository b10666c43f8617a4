"""bench/train_speed.py on a CPU played as one without native bfloat16 (its kernels held back to AVX2)."""

import os
import subprocess
import sys
from pathlib import Path

from bench.train_speed import result_name

ROOT = Path(__file__).parents[2]


def test_a_race_with_its_kernels_held_back_is_named_so_and_never_overwrites_a_real_cpus():
    real = result_name("cpu", "auto", False, {})
    played = result_name("cpu", "auto", False, {"ONEDNN_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2"})
    assert (real, played) == ("train_speed-cpu-no-native-bf16", "train_speed-cpu-no-native-bf16-isa-avx2")
    assert result_name("cpu", "fp32", True, {}) == "train_speed-cpu-fp32"


def test_the_trainer_picks_fp32_when_the_kernels_are_held_back_to_avx2():
    """bfloat16 is emulated (slowly) without AVX-512 BF16 or AMX, so `auto` must not choose it there."""
    env = os.environ | {"ONEDNN_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2"}
    code = "import torch; from models.train import use_bf16; print(use_bf16('auto', torch.device('cpu')))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"
