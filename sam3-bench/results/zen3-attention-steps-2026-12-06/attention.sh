#!/usr/bin/env bash
# The native attention kernel before and after this stop's steps (heads of 64: 128 keys a step, the packed keys' rows
# 16 floats longer than the step, keys transposed in 8 x 8 blocks) on SAM 3's shapes: AttentionBenchmark, OpenBLAS
# backend, 2 threads, auto, both jars alternated shape by shape ROUNDS times, beside SGEMM at the start and the end.
# Usage, from the repository root: attention.sh JAR_BEFORE JAR_AFTER [ROUNDS]
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
BEFORE=$1; AFTER=$2; ROUNDS=${3:-2}
mkdir -p "$D/out"
LOG=$D/attention-log.txt
note() { echo "== $(date -u +%T) $* (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"; }
sgemm() {
  note sgemm "$1"
  java -jar "$AFTER" org.sam3j.bench.SgemmBenchmark -p backend=openblas -wi 2 -i 5 -f 1 -rf json \
      -rff "$D/out/attention-sgemm-$1.json" -jvmArgsAppend -Xmx8g > /dev/null 2>&1
}
sgemm start
for r in $(seq "$ROUNDS"); do
  for shape in windowed-grid global fusion cross-bias text; do
    for side in before after; do
      jar=$AFTER; [ "$side" = before ] && jar=$BEFORE
      note "round $r $side $shape"
      java -jar "$jar" org.sam3j.bench.AttentionBenchmark -p backend=openblas -p shape=$shape -wi 5 -i 15 -f 1 \
          -rf json -rff "$D/out/attention-$side-$shape-$r.json" > /dev/null 2>&1
      echo "   rc=$?" >> "$LOG"
    done
  done
done
sgemm end
