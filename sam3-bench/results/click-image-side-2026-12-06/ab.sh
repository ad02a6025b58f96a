#!/usr/bin/env bash
# Clicks on a prepared image (the mask decoder's share of the image computed once per image) beside the stop's start
# and the official PyTorch model, same machine, alternated process by process: per pair PyTorch (fp32), sam3j
# `openblas` before (the stop's first commit) and after. sam3j: StartupProfile full, 3 rounds of encode + text prompt
# + 20 clicks. SGEMM (JMH, both backends, and PyTorch's) at the start and the end.
# Usage, from the repository root: ab.sh PYTHON SAM3_OFFICIAL JAR_BEFORE JAR CHECKPOINT [PAIRS]
# (PREFIX=final- names the outputs and the log of the end-of-stop run: final-*.txt, final-ab-log.txt; BACKEND=cpu
# runs sam3j on the pure-Java backend instead of openblas, its outputs named cpu-before-*, cpu-after-*)
set -uo pipefail
D=${AB_DIR:-$(cd "$(dirname "$0")" && pwd)}   # AB_DIR: another results directory for the outputs
R=$(cd "$D/.." && pwd)
PY=$1; OFFICIAL=$2; BEFORE=$3; JAR=$4; CK=$5; PAIRS=${6:-2}
export SAM3_SHARED=${SAM3_SHARED:-$(cd .. && pwd)/shared}
mkdir -p "$D/out"
P=${PREFIX:-}
B=${BACKEND:-openblas}
LOG=$D/${P}ab-log.txt
note() { echo "== $(date -u +%T) $* (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"; }
echo "start $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
sgemm() {
  note sgemm "$1"
  java -jar "$JAR" org.sam3j.bench.SgemmBenchmark -p backend=openblas,cpu -wi 2 -i 5 -f 1 -rf json \
      -rff "$D/out/${P}sgemm-$1.json" -jvmArgsAppend -Xmx8g > /dev/null 2>&1
  echo "   rc=$?" >> "$LOG"
  "$PY" "$R/text-prompt-and-click-2026-12-03/python/torch_sgemm.py" > "$D/out/${P}torch-sgemm-$1.txt" 2>&1
}
sam3j() { # NAME JAR
  note "sam3j $1"
  java --add-modules jdk.incubator.vector -Xmx16g -cp "$2" org.sam3j.bench.StartupProfile full "$B" "$CK" 3 20 \
      > "$D/out/${P}$1.txt" 2>&1
  echo "   rc=$?" >> "$LOG"
}
sgemm start
for i in $(seq 1 "$PAIRS"); do
  note "pytorch $i"
  PYTHONPATH="$R/text-prompt-and-click-2026-12-03/python:$R/pytorch-side-by-side-2026-12-03/python:$OFFICIAL" \
      "$PY" -W ignore "$R/text-prompt-and-click-2026-12-03/python/official_bench.py" 2 3 20 > "$D/out/${P}pytorch-$i.txt" 2>&1
  echo "   rc=$?" >> "$LOG"
  sam3j "$B-before-$i" "$BEFORE"
  sam3j "$B-after-$i" "$JAR"
done
sgemm end
echo "end $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
