#!/usr/bin/env bash
# Clicks before and after (the products of at most 8 rows now take sam3j's kernel, the decoders' one-token heads among
# them): StartupProfile full openblas, 2 rounds of setImage + a text prompt + 20 clicks, before then after, twice.
# Usage, from the repository root: clicks.sh CHECKPOINT JAR_BEFORE JAR_AFTER
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
CK=$1; BEFORE=$2; AFTER=$3
export SAM3_SHARED=${SAM3_SHARED:-$(cd .. && pwd)/shared}
mkdir -p "$D/out"
LOG=$D/clicks-log.txt
echo "start $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
for i in 1 2; do
  for named in "before=$BEFORE" "after=$AFTER"; do
    name=${named%%=*}; jar=${named#*=}
    echo "== $(date -u +%T) $name $i (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"
    java --add-modules jdk.incubator.vector -Xmx16g -cp "$jar" org.sam3j.bench.StartupProfile full openblas "$CK" 2 20 \
        > "$D/out/clicks-$name-$i.txt" 2>&1
    echo "   rc=$? $(grep -h 'more: median' "$D/out/clicks-$name-$i.txt" | tr '\n' ' ')" >> "$LOG"
  done
done
echo "end $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
