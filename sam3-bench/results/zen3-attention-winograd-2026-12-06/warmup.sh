#!/usr/bin/env bash
# The Java attention kernel's warm-up with and without the interactive decoder's heads of 16: two jars (without =
# 9b327f7, with = the warm-up's commit), StartupProfile full openblas CHECKPOINT 3 20 alternated process by process,
# two pairs. Usage, from the repository root: warmup.sh JAR_WITHOUT JAR_WITH CHECKPOINT
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
export SAM3_SHARED=${SAM3_SHARED:-$(cd .. && pwd)/shared}
mkdir -p "$D/out"
for i in 1 2; do
  for side in without with; do
    jar=$2; [ "$side" = without ] && jar=$1
    echo "== $(date -u +%T) $side $i load $(cut -d' ' -f1-3 /proc/loadavg)" >> "$D/warmup-log.txt"
    java --add-modules jdk.incubator.vector -Xmx16g -cp "$jar" org.sam3j.bench.StartupProfile full openblas "$3" 3 20 \
        > "$D/out/warmup-$side-$i.txt" 2>&1
  done
done
echo "end $(date -u +%T)" >> "$D/warmup-log.txt"
