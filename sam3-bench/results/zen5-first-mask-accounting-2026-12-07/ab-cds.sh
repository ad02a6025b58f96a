#!/usr/bin/env bash
# A second, longer A/B of JDK 17 with and without the class-data-sharing archive run.sh dumped (work/sam3.jsa):
# PAIRS pairs of fresh StartupProfile processes (as in run.sh), alternated. Usage, from the repository root, after run.sh:
#   ab-cds.sh JAR CHECKPOINT_FULL [PAIRS]
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
JAR=$1; CK=$2; PAIRS=${3:-5}
export SAM3_SHARED=${SAM3_SHARED:-$(cd .. && pwd)/shared}
CLEAN=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
LOG=$D/run-log.txt
note() { echo "== $(date -u +%T) $* (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"; }
profile() { # NAME [JVM FLAGS...]
  local name=$1; shift
  note "$name"
  "${CLEAN[@]}" java "$@" --add-modules jdk.incubator.vector -Xmx16g -Dsam3j.bench.precision=fp32 -cp "$JAR" \
      org.sam3j.bench.StartupProfile full openblas "$CK" 2 3 > "$D/out/$name.txt" 2>&1
  echo "   rc=$?" >> "$LOG"
}
echo "ab-cds start $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
for i in $(seq 1 "$PAIRS"); do
  profile "ab-jdk17-cds-$i" "-XX:SharedArchiveFile=$D/work/sam3.jsa"
  profile "ab-jdk17-$i"
done
python3 "$D/account.py" "$D"/out/ab-*.txt > "$D/out/account-ab-cds.txt"
echo "ab-cds end $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
