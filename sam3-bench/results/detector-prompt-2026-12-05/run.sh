#!/usr/bin/env bash
# Beside the official implementation: SGEMM (JMH, both backends) for the AFTER jar, one official PyTorch process, then
# sam3j `cpu` BEFORE / AFTER alternated process by process (StartupProfile: full size, 3 rounds of encode + text
# prompt + 20 clicks). Usage, from the repository root:
#   run.sh PYTHON SAM3_OFFICIAL BEFORE_JAR AFTER_JAR CHECKPOINT [PAIRS]
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
R=$(cd "$D/.." && pwd)
PY=$1; OFFICIAL=$2; BEFORE=$3; AFTER=$4; CK=$5; PAIRS=${6:-2}
export SAM3_SHARED=${SAM3_SHARED:-$(cd .. && pwd)/shared}
mkdir -p "$D/out"
LOG=$D/run-log.txt
note() { echo "== $(date -u +%T) $* (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"; }
echo "start $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
note sgemm
java -jar "$AFTER" org.sam3j.bench.SgemmBenchmark -p backend=cpu,openblas -wi 2 -i 5 -f 1 -rf json \
    -rff "$D/out/sgemm.json" -jvmArgsAppend -Xmx8g > "$D/out/sgemm.txt" 2>&1
echo "   rc=$?" >> "$LOG"
note pytorch
PYTHONPATH="$R/text-prompt-and-click-2026-12-03/python:$R/pytorch-side-by-side-2026-12-03/python:$OFFICIAL" \
    "$PY" -W ignore "$R/text-prompt-and-click-2026-12-03/python/official_bench.py" 2 3 20 > "$D/out/pytorch.txt" 2>&1
echo "   rc=$?" >> "$LOG"
for i in $(seq 1 "$PAIRS"); do
  for side in before after; do
    jar=$BEFORE; [ $side = after ] && jar=$AFTER
    note sam3j cpu $side $i
    java --add-modules jdk.incubator.vector -Xmx16g -cp "$jar" org.sam3j.bench.StartupProfile full cpu "$CK" 3 20 \
        > "$D/out/cpu-$side-$i.txt" 2>&1
    echo "   rc=$?" >> "$LOG"
  done
done
echo "end $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
