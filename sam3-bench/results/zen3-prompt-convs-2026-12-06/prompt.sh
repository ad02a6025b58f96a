#!/usr/bin/env bash
# Steady text prompts (the detector on a cached phrase and image: PromptBenchmark.textPrompt, full size, synthetic
# weights, `openblas`), before and after, alternated fork by fork, twice: 4 warm-up and 12 measured single shots each.
# Usage, from the repository root: prompt.sh JAR_BEFORE JAR
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
BEFORE=$1; JAR=$2
export SAM3_SHARED=${SAM3_SHARED:-$(cd .. && pwd)/shared}
mkdir -p "$D/out"
LOG=$D/prompt-log.txt
echo "start $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
for round in 1 2; do
  for side in before after; do
    jar=$BEFORE; [ $side = after ] && jar=$JAR
    echo "== $(date -u +%T) $side $round (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"
    java -jar "$jar" PromptBenchmark.textPrompt -p config=full -p backend=openblas -wi 4 -i 12 -f 1 \
        -rf json -rff "$D/out/prompt-$side-$round.json" > "$D/out/prompt-$side-$round.txt" 2>&1
    echo "   rc=$? $(grep -E '^PromptBenchmark.textPrompt' "$D/out/prompt-$side-$round.txt" | tr -s ' ')" >> "$LOG"
  done
done
echo "end $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
