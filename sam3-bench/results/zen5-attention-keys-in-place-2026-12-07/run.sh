#!/usr/bin/env bash
# Before and after the Java attention kernel reads a window's keys in place (VectorAttention; values still copied a
# chunk at a time): one layer of the image encoder's attention in isolation (harness/AttW.java, 2 threads, after the
# backend's warm-up; fresh processes alternated), then the encoder's ATTENTION in the per-op print
# (../click-path-2026-12-04/harness/op-profile.patch applied to each build; fresh processes alternated). Every process
# runs without the VM's OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE; SGEMM (JMH) first. Usage, from the repository root:
#   run.sh JAR_BEFORE JAR_AFTER CHECKPOINT_FULL [PAIRS]
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
BEFORE=$1; AFTER=$2; CK=$3; PAIRS=${4:-3}
export SAM3_SHARED=${SAM3_SHARED:-$(cd .. && pwd)/shared}
mkdir -p "$D/out"
CLEAN=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
LOG=$D/run-log.txt
note() { echo "== $(date -u +%T) $* (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"; }
echo "start $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
note sgemm
"${CLEAN[@]}" java -jar "$AFTER" org.sam3j.bench.SgemmBenchmark -p backend=cpu,openblas -wi 2 -i 5 -f 1 -rf json \
    -rff "$D/out/sgemm.json" -jvmArgsAppend -Xmx8g > "$D/out/sgemm.txt" 2>&1
H=$(mktemp -d)
for side in before after; do
  jar=$BEFORE; [ "$side" = after ] && jar=$AFTER
  mkdir -p "$H/$side" && javac --add-modules jdk.incubator.vector -nowarn -d "$H/$side" -cp "$jar" "$D/harness/AttW.java"
done
layer() { # NAME SIDE JAR
  note "$1"
  "${CLEAN[@]}" java --add-modules jdk.incubator.vector -cp "$H/$2:$3" org.sam3j.backend.cpu.AttW 2 60 warm \
      > "$D/out/$1.txt" 2>&1
  echo "   rc=$?" >> "$LOG"
}
for i in $(seq 1 $((PAIRS + 1))); do
  layer "layer-before-$i" before "$BEFORE"
  layer "layer-after-$i" after "$AFTER"
done
profile() { # NAME JAR
  note "$1"
  "${CLEAN[@]}" java --add-modules jdk.incubator.vector -Xmx16g -Dsam3j.bench.precision=fp32 -Dtmpprof=3000 \
      -Dtmpn=3000 -cp "$2" org.sam3j.bench.StartupProfile full openblas "$CK" 3 1 > "$D/out/$1.txt" 2>&1
  echo "   rc=$?" >> "$LOG"
}
for i in $(seq 1 "$PAIRS"); do
  profile "before-$i" "$BEFORE"
  profile "after-$i" "$AFTER"
done
rm -rf "$H"
echo "end $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
