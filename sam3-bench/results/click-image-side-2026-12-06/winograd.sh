#!/usr/bin/env bash
# Winograd F(2 × 2, 3 × 3) on `openblas` again, now that its products run on the arena in place: the same jar with
# -Dsam3j.cpu.winograd=false (the default there) and true, alternated process by process. StartupProfile full
# openblas, 3 rounds of encode + text prompt + 1 click.
# Usage, from the repository root: winograd.sh JAR CHECKPOINT [PAIRS] (FIRST=K numbers the pairs from K: pairs 3
# and 4 were run that way after pairs 1 and 2)
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
JAR=$1; CK=$2; PAIRS=${3:-2}
export SAM3_SHARED=${SAM3_SHARED:-$(cd .. && pwd)/shared}
mkdir -p "$D/out"
LOG=$D/winograd-log.txt
note() { echo "== $(date -u +%T) $* (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"; }
echo "start $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
for i in $(seq "${FIRST:-1}" "$PAIRS"); do
  for w in false true; do
    note "winograd=$w $i"
    java --add-modules jdk.incubator.vector -Xmx16g -Dsam3j.cpu.winograd=$w -cp "$JAR" org.sam3j.bench.StartupProfile \
        full openblas "$CK" 3 1 > "$D/out/winograd-$w-$i.txt" 2>&1
    echo "   rc=$?" >> "$LOG"
  done
done
echo "end $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
