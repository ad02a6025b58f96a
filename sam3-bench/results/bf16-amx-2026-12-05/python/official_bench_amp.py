"""../../text-prompt-and-click-2026-12-03/python/official_bench.py (the official SAM 3 image model timed as sam3j's
StartupProfile times sam3j) run under torch.autocast("cpu", dtype=torch.bfloat16): PyTorch's own mixed precision on
the CPU (oneDNN's BF16 kernels, on AMX where the CPU has it). Same arguments (THREADS ROUNDS CLICKS)."""
import os
import runpy
import sys

import torch

here = os.path.dirname(os.path.abspath(__file__))
bench = os.path.join(here, "..", "..", "text-prompt-and-click-2026-12-03", "python", "official_bench.py")
print("autocast cpu bfloat16; mkldnn bf16 supported:", torch.ops.mkldnn._is_mkldnn_bf16_supported(), flush=True)
sys.argv = [bench] + sys.argv[1:]
with torch.autocast("cpu", dtype=torch.bfloat16):
    runpy.run_path(bench, run_name="__main__")
