#!/usr/bin/env bash
# Winograd on OpenBLAS with each product whole on a worker, the pixel decoder's upsampled convolutions by Winograd
# from the small map, the geometry encoder's pooled boxes as one product, separable ROI align, the per-query mask
# product by columns and the box bias's outer sum vectorised, beside the stop's start and the official PyTorch model,
# same machine, alternated process by process: per pair PyTorch (fp32), sam3j `openblas` before (the stop's start)
# and after. sam3j: StartupProfile full, 3 rounds of encode + text prompt + 20 clicks. SGEMM (JMH, both backends, and
# PyTorch's) at the start and the end.
# Usage, from the repository root: ab.sh PYTHON SAM3_OFFICIAL JAR_BEFORE JAR CHECKPOINT [PAIRS]
# The alternation itself is ../click-image-side-2026-12-06/ab.sh's, run with its outputs and logs written here.
here=$(cd "$(dirname "$0")" && pwd)
AB_DIR=$here exec bash "$here/../click-image-side-2026-12-06/ab.sh" "$@"
