#!/usr/bin/env bash
# The official SAM 3 image model (PyTorch, CPU) beside sam3j on the same machine, alternated process by process:
# encode, text prompt with a new phrase, and a click (the official model built with its interactive predictor).
# Usage, from the repository root: run.sh PYTHON SAM3_OFFICIAL SAM3J_JAR CHECKPOINT_DIR
#   PYTHON: a Python with torch (CPU build), numpy<2, timm, ftfy, regex, einops, huggingface_hub, pillow, setuptools<81
#   SAM3_OFFICIAL: a checkout of facebookresearch/sam3 (its sam3/ package is imported unchanged)
#   SAM3J_JAR: sam3-bench.jar; CHECKPOINT_DIR: where StartupProfile keeps its synthetic full checkpoint
# python/ holds this run's timing script and one more stand-in (torchvision.transforms); the others are those of
# ../pytorch-side-by-side-2026-12-03/python, which comes after it on PYTHONPATH.
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
PREV=$(cd "$D/../pytorch-side-by-side-2026-12-03/python" && pwd)
PY=$1; OFFICIAL=$2; JAR=$3; CK=$4
export SAM3_SHARED=${SAM3_SHARED:-$(cd .. && pwd)/shared}
mkdir -p "$D/out"
LOG=$D/run-log.txt
echo "start $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
sgemm() {
  echo "== $(date -u +%T) sgemm $1 (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"
  java -jar "$JAR" org.sam3j.bench.SgemmBenchmark -p backend=openblas,cpu -wi 2 -i 5 -rf json -rff "$D/out/jmh-sgemm-$1.json" \
      -jvmArgsAppend -Xmx8g > /dev/null 2>&1
  echo "   rc=$?" >> "$LOG"
}
sgemm start
for i in 1 2 3; do
  echo "== $(date -u +%T) pytorch $i (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"
  PYTHONPATH="$D/python:$PREV:$OFFICIAL" "$PY" -W ignore "$D/python/official_bench.py" 2 3 > "$D/out/pytorch-$i.txt" 2>&1
  echo "   rc=$?" >> "$LOG"
  for b in cpu openblas; do
    echo "== $(date -u +%T) sam3j $b $i (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"
    java --add-modules jdk.incubator.vector -Xmx16g -cp "$JAR" org.sam3j.bench.StartupProfile full $b \
        "$CK/sam3-full.safetensors" 3 > "$D/out/sam3j-$b-$i.txt" 2>&1
    echo "   rc=$?" >> "$LOG"
  done
done
sgemm end
echo "end $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
