#!/usr/bin/env bash
# After the pure-Java SGEMM change: sam3j `cpu` before and after, alternated process by process, with one official
# PyTorch process first as the same hour's anchor, and SGEMM of both jars and of PyTorch at the start and the end.
# Usage, from the repository root: run-cpu.sh PYTHON SAM3_OFFICIAL BEFORE_JAR AFTER_JAR CHECKPOINT [PAIRS]
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
R=$(cd "$D/.." && pwd)
PY=$1; OFFICIAL=$2; BEFORE=$3; AFTER=$4; CK=$5; PAIRS=${6:-2}
export SAM3_SHARED=${SAM3_SHARED:-$(cd .. && pwd)/shared}
mkdir -p "$D/out"
LOG=$D/run-cpu-log.txt
echo "start $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
sgemm() {
  for side in before after; do
    jar=$BEFORE; [ $side = after ] && jar=$AFTER
    echo "== $(date -u +%T) sgemm $1 $side (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"
    java -jar "$jar" org.sam3j.bench.SgemmBenchmark -p backend=cpu,openblas -wi 2 -i 5 -f 1 -rf json \
        -rff "$D/out/cpu-jmh-sgemm-$1-$side.json" -jvmArgsAppend -Xmx8g > /dev/null 2>&1
    echo "   rc=$?" >> "$LOG"
  done
}
sgemm start
echo "== $(date -u +%T) pytorch (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"
PYTHONPATH="$R/text-prompt-and-click-2026-12-03/python:$R/pytorch-side-by-side-2026-12-03/python:$OFFICIAL" \
    "$PY" -W ignore "$R/text-prompt-and-click-2026-12-03/python/official_bench.py" 2 3 20 > "$D/out/cpu-run-pytorch.txt" 2>&1
echo "   rc=$?" >> "$LOG"
for i in $(seq 1 "$PAIRS"); do
  for side in before after; do
    jar=$BEFORE; [ $side = after ] && jar=$AFTER
    echo "== $(date -u +%T) sam3j cpu $side $i (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"
    java --add-modules jdk.incubator.vector -Xmx16g -cp "$jar" org.sam3j.bench.StartupProfile full cpu "$CK" 3 20 \
        > "$D/out/cpu-run-$side-$i.txt" 2>&1
    echo "   rc=$?" >> "$LOG"
  done
done
sgemm end
echo "end $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
