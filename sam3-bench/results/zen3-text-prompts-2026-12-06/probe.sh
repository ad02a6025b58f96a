#!/usr/bin/env bash
# The full text encoder alone (TextProbe.java: synthetic weights, 15 runs, median and fastest) on 32 tokens (every
# prompt before this stop), on 8 tokens as prompts now encode a short phrase (OpenBLAS's products), and on 8 tokens
# with the products of at most 8 rows on sam3j's kernel; alternated jar by jar, twice; `openblas`, then `cpu`.
# Usage, from the repository root: probe.sh JAR_BEFORE JAR_SHORT JAR_AFTER
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
BEFORE=$1; SHORT=$2; AFTER=$3
export SAM3_SHARED=${SAM3_SHARED:-$(cd .. && pwd)/shared}
LOG=$D/probe-log.txt
echo "start $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
probe() { # NAME JAR TOKENS BACKEND
  echo "$1 $4: $(java --add-modules jdk.incubator.vector -Xmx12g -cp "$2" "$D/TextProbe.java" "$3" 15 "$4" 2>&1 \
      | grep 'text encoder')" >> "$LOG"
}
for round in 1 2; do
  probe before "$BEFORE" 32 openblas
  probe short "$SHORT" 8 openblas
  probe after "$AFTER" 8 openblas
done
for round in 1 2; do
  probe before "$BEFORE" 32 cpu
  probe after "$AFTER" 8 cpu
done
echo "end $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
