#!/usr/bin/env bash
# The official SAM 3 image model (PyTorch, CPU) beside sam3j on the same machine, alternated process by process:
# build, then per round an encode, a text prompt with a new phrase, and 20 clicks on that image.
# Usage, from the repository root: run.sh PYTHON SAM3_OFFICIAL SAM3J_JAR CHECKPOINT [PAIRS]
#   PYTHON: a Python with torch, numpy<2, timm, ftfy, regex, einops, huggingface_hub, pillow, psutil, tqdm, scipy
#   SAM3_OFFICIAL: a checkout of facebookresearch/sam3 (its sam3/ package is imported unchanged)
#   SAM3J_JAR: sam3-bench.jar; CHECKPOINT: a synthetic full checkpoint (StartupProfile writes one where none is)
# The timing script (with its CLICKS argument) and the stand-ins for GPU-only imports are those of
# ../text-prompt-and-click-2026-12-03/python and ../pytorch-side-by-side-2026-12-03/python.
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
R=$(cd "$D/.." && pwd)
PY=$1; OFFICIAL=$2; JAR=$3; CK=$4; PAIRS=${5:-2}
export SAM3_SHARED=${SAM3_SHARED:-$(cd .. && pwd)/shared}
mkdir -p "$D/out"
LOG=$D/run-log.txt
echo "start $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
sgemm() {
  echo "== $(date -u +%T) sgemm $1 (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"
  java -jar "$JAR" org.sam3j.bench.SgemmBenchmark -p backend=openblas,cpu -wi 2 -i 5 -f 1 -rf json \
      -rff "$D/out/jmh-sgemm-$1.json" -jvmArgsAppend -Xmx8g > /dev/null 2>&1
  echo "   rc=$?" >> "$LOG"
  "$PY" "$R/text-prompt-and-click-2026-12-03/python/torch_sgemm.py" > "$D/out/torch-sgemm-$1.txt" 2>&1
}
sgemm start
for i in $(seq 1 "$PAIRS"); do
  echo "== $(date -u +%T) pytorch $i (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"
  PYTHONPATH="$R/text-prompt-and-click-2026-12-03/python:$R/pytorch-side-by-side-2026-12-03/python:$OFFICIAL" \
      "$PY" -W ignore "$R/text-prompt-and-click-2026-12-03/python/official_bench.py" 2 3 20 > "$D/out/pytorch-$i.txt" 2>&1
  echo "   rc=$?" >> "$LOG"
  for b in cpu openblas; do
    echo "== $(date -u +%T) sam3j $b $i (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"
    java --add-modules jdk.incubator.vector -Xmx16g -cp "$JAR" org.sam3j.bench.StartupProfile full $b "$CK" 3 20 \
        > "$D/out/sam3j-$b-$i.txt" 2>&1
    echo "   rc=$?" >> "$LOG"
  done
done
sgemm end
echo "end $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
