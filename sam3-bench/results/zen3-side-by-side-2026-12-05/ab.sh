#!/usr/bin/env bash
# This stop's two changes on the same AVX2 machine, alternated process by process: sam3j `openblas` before (the stop's
# first commit), after with its products staged as before (-Dsam3j.openblas.inplace=false: the layer norms' change
# alone) and after (layer norms and products in place). StartupProfile: full size, 3 rounds of encode + text prompt
# + 20 clicks. SGEMM (JMH, both backends) at the start and the end.
# Usage, from the repository root: ab.sh JAR_BEFORE JAR CHECKPOINT [PAIRS]
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
BEFORE=$1; JAR=$2; CK=$3; PAIRS=${4:-2}
export SAM3_SHARED=${SAM3_SHARED:-$(cd .. && pwd)/shared}
mkdir -p "$D/out"
LOG=$D/ab-log.txt
note() { echo "== $(date -u +%T) $* (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"; }
echo "start $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
sgemm() {
  note sgemm "$1"
  java -jar "$JAR" org.sam3j.bench.SgemmBenchmark -p backend=openblas,cpu -wi 2 -i 5 -f 1 -rf json \
      -rff "$D/out/ab-sgemm-$1.json" -jvmArgsAppend -Xmx8g > /dev/null 2>&1
  echo "   rc=$?" >> "$LOG"
}
run() { # NAME JAR [JVM OPTION]
  local name=$1 jar=$2; shift 2
  note "$name"
  java --add-modules jdk.incubator.vector -Xmx16g "$@" -cp "$jar" org.sam3j.bench.StartupProfile full openblas "$CK" 3 20 \
      > "$D/out/ab-$name.txt" 2>&1
  echo "   rc=$?" >> "$LOG"
}
sgemm start
for i in $(seq 1 "$PAIRS"); do
  run "before-$i" "$BEFORE"
  run "staged-$i" "$JAR" -Dsam3j.openblas.inplace=false
  run "after-$i" "$JAR"
done
sgemm end
echo "end $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
