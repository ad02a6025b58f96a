#!/usr/bin/env bash
# `build()` of the full-size `openblas` model (StartupProfile with 0 rounds) before and after the Vector API warm-up
# leaves out the matrix products' kernels for engines that do not run them, alternated, with the warm-up's own debug
# line (org.sam3j.backend.cpu.VectorKernels). Every process without the VM's OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE.
# Usage, from the repository root: run.sh JAR_BEFORE JAR_AFTER CHECKPOINT_FULL [PAIRS]
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
BEFORE=$1; AFTER=$2; CK=$3; PAIRS=${4:-6}
export SAM3_SHARED=${SAM3_SHARED:-$(cd .. && pwd)/shared}
mkdir -p "$D/out"
: > "$D/out/builds.txt"
for i in $(seq 1 "$PAIRS"); do
  for side in before after; do
    jar=$BEFORE; [ "$side" = after ] && jar=$AFTER
    echo "== $(date -u +%T) $side $i (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$D/out/builds.txt"
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE java --add-modules jdk.incubator.vector -Xmx16g \
        -Dorg.slf4j.simpleLogger.defaultLogLevel=debug -cp "$jar" org.sam3j.bench.StartupProfile full openblas "$CK" 0 \
        2>&1 | grep -E "VectorKernels|^build" >> "$D/out/builds.txt"
  done
done
