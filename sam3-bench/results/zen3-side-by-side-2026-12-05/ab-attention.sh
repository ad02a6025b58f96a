#!/usr/bin/env bash
# The operands of products and of the native attention kernel in place against staged, the same jar, alternated
# process by process (-Dsam3j.openblas.inplace=false|true). StartupProfile: full size, 3 rounds of encode + text
# prompt + 20 clicks, `openblas`. Usage, from the repository root: ab-attention.sh JAR CHECKPOINT [PAIRS]
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
JAR=$1; CK=$2; PAIRS=${3:-2}
export SAM3_SHARED=${SAM3_SHARED:-$(cd .. && pwd)/shared}
mkdir -p "$D/out"
LOG=$D/ab-attention-log.txt
echo "start $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
for i in $(seq 1 "$PAIRS"); do
  for side in false true; do
    echo "== $(date -u +%T) inplace=$side $i (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"
    java --add-modules jdk.incubator.vector -Xmx16g -Dsam3j.openblas.inplace=$side -cp "$JAR" \
        org.sam3j.bench.StartupProfile full openblas "$CK" 3 20 > "$D/out/abat-inplace-$side-$i.txt" 2>&1
    echo "   rc=$?" >> "$LOG"
  done
done
echo "end $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
