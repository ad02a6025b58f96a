#!/usr/bin/env bash
# Before/after of this folder's changes on sam3j alone: PromptBenchmark (a text prompt with a cached phrase, and a
# click, after setImage; full architecture; cpu and openblas), the two builds alternated fork by fork, with the
# SGEMM rate measured at the start and at the end of the same run.
# Usage, from the repository root: jmh.sh BEFORE_JAR AFTER_JAR (sam3-bench.jar of each commit)
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
BEFORE=$1; AFTER=$2
export SAM3_SHARED=${SAM3_SHARED:-$(cd .. && pwd)/shared}
mkdir -p "$D/out"
LOG=$D/jmh-log.txt
echo "start $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
java -jar "$AFTER" org.sam3j.bench.SgemmBenchmark -p backend=openblas,cpu -wi 2 -i 5 -rf json -rff "$D/out/jmh-sgemm-jmh-start.json" \
    -jvmArgsAppend -Xmx8g > /dev/null 2>&1
for b in cpu openblas; do
  for side in before after; do
    jar=$BEFORE; [ "$side" = after ] && jar=$AFTER
    echo "== $(date -u +%T) $side $b (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"
    java -jar "$jar" org.sam3j.bench.PromptBenchmark -p config=full -p backend=$b -wi 2 -i 8 \
        -rf json -rff "$D/out/jmh-prompt-$side-$b.json" > "$D/out/jmh-prompt-$side-$b.txt" 2>&1
    echo "   rc=$?" >> "$LOG"
  done
done
java -jar "$AFTER" org.sam3j.bench.SgemmBenchmark -p backend=openblas,cpu -wi 2 -i 5 -rf json -rff "$D/out/jmh-sgemm-jmh-end.json" \
    -jvmArgsAppend -Xmx8g > /dev/null 2>&1
echo "end $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
