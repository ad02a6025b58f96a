#!/usr/bin/env bash
# The feed-forward ReLU fusion: PromptBenchmark.textPrompt (full size, cached phrase, so the detector and
# post-processing) on `cpu`, before / after alternated fork by fork. Usage: run-relu.sh BEFORE_JAR AFTER_JAR [PAIRS]
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
BEFORE=$1; AFTER=$2; PAIRS=${3:-2}
export SAM3_SHARED=${SAM3_SHARED:-$(cd .. && pwd)/shared}
LOG=$D/run-relu-log.txt
echo "start $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
for i in $(seq 1 "$PAIRS"); do
  for side in before after; do
    jar=$BEFORE; [ $side = after ] && jar=$AFTER
    echo "== $(date -u +%T) $side $i (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"
    java -jar "$jar" PromptBenchmark.textPrompt -p config=full -p backend=cpu -f 1 -wi 2 -i 5 -rf json \
        -rff "$D/out/relu-text-cpu-$side-$i.json" > "$D/out/relu-text-cpu-$side-$i.txt" 2>&1
    echo "   rc=$?" >> "$LOG"
  done
done
echo "end $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
