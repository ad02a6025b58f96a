#!/usr/bin/env bash
# The pure-Java SGEMM in Goto's order: SgemmBenchmark (cpu and openblas, 2 threads) for both jars, one official
# PyTorch process as the same hour's anchor, then sam3j `cpu` before / after alternated process by process
# (StartupProfile: full size, 3 rounds of encode + text prompt + 20 clicks).
# Usage, from the repository root: run.sh PYTHON SAM3_OFFICIAL BEFORE_JAR AFTER_JAR CHECKPOINT [PAIRS [TAG]]
# (TAG: a prefix for this run's files in out/, so that a second run keeps the first one's)
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
R=$(cd "$D/.." && pwd)
PY=$1; OFFICIAL=$2; BEFORE=$3; AFTER=$4; CK=$5; PAIRS=${6:-2}; T=${7:-}
export SAM3_SHARED=${SAM3_SHARED:-$(cd .. && pwd)/shared}
mkdir -p "$D/out"
LOG=$D/run-log.txt
note() { echo "== $(date -u +%T) $* (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"; }
echo "start $(date -u +%FT%TZ) ${T:+run $T }load $(cat /proc/loadavg)" >> "$LOG"
for side in before after; do
  jar=$BEFORE; [ $side = after ] && jar=$AFTER
  note sgemm $side
  java -jar "$jar" org.sam3j.bench.SgemmBenchmark -p backend=cpu,openblas -wi 2 -i 5 -f 1 -rf json \
      -rff "$D/out/${T}sgemm-$side.json" -jvmArgsAppend -Xmx8g > "$D/out/${T}sgemm-$side.txt" 2>&1
  echo "   rc=$?" >> "$LOG"
done
note pytorch
PYTHONPATH="$R/text-prompt-and-click-2026-12-03/python:$R/pytorch-side-by-side-2026-12-03/python:$OFFICIAL" \
    "$PY" -W ignore "$R/text-prompt-and-click-2026-12-03/python/official_bench.py" 2 3 20 > "$D/out/${T}pytorch.txt" 2>&1
echo "   rc=$?" >> "$LOG"
for i in $(seq 1 "$PAIRS"); do
  for side in before after; do
    jar=$BEFORE; [ $side = after ] && jar=$AFTER
    note sam3j cpu $side $i
    java --add-modules jdk.incubator.vector -Xmx16g -cp "$jar" org.sam3j.bench.StartupProfile full cpu "$CK" 3 20 \
        > "$D/out/${T}cpu-$side-$i.txt" 2>&1
    echo "   rc=$?" >> "$LOG"
  done
done
echo "end $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
