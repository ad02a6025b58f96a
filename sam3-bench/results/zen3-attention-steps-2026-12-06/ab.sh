#!/usr/bin/env bash
# This stop's attention steps end to end beside the stop's start and the official PyTorch model, same machine,
# alternated process by process: per pair PyTorch (fp32), sam3j `openblas` before and after. sam3j: StartupProfile
# full, 3 rounds of encode + text prompt + 20 clicks. SGEMM (JMH, both backends, and PyTorch's) at the start and end.
# Usage, from the repository root: ab.sh PYTHON SAM3_OFFICIAL JAR_BEFORE JAR CHECKPOINT [PAIRS]
# The alternation itself is ../click-image-side-2026-12-06/ab.sh's, run with its outputs and logs written here.
here=$(cd "$(dirname "$0")" && pwd)
AB_DIR=$here exec bash "$here/../click-image-side-2026-12-06/ab.sh" "$@"
