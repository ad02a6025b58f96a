#!/usr/bin/env bash
# A second same-hour comparison, after run.sh: PyTorch under BF16 autocast and sam3j BF16 alternated process by
# process (same arguments as run.sh's; out/pair-*.txt). Usage, from the repository root:
#   run-pairs.sh PYTHON SAM3_OFFICIAL JAR CHECKPOINT_FULL [PAIRS]
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
R=$(cd "$D/.." && pwd)
PY=$1; OFFICIAL=$2; JAR=$3; CK=$4; PAIRS=${5:-2}
export SAM3_SHARED=${SAM3_SHARED:-$(cd .. && pwd)/shared}
LOG=$D/run-log.txt
note() { echo "== $(date -u +%T) $* (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"; }
PP="$R/text-prompt-and-click-2026-12-03/python:$R/pytorch-side-by-side-2026-12-03/python:$OFFICIAL"
for i in $(seq 1 "$PAIRS"); do
  note pair "$i" pytorch bf16 autocast
  PYTHONPATH="$PP" "$PY" -W ignore "$R/bf16-amx-2026-12-05/python/official_bench_amp.py" 2 3 20 \
      > "$D/out/pair-$i-pytorch-bf16.txt" 2>&1
  echo "   rc=$?" >> "$LOG"
  note pair "$i" sam3j openblas bf16
  java --add-modules jdk.incubator.vector -Xmx16g -Dsam3j.bench.precision=bf16 -cp "$JAR" \
      org.sam3j.bench.StartupProfile full openblas "$CK" 3 20 > "$D/out/pair-$i-sam3j-bf16.txt" 2>&1
  echo "   rc=$?" >> "$LOG"
done
echo "end pairs $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
