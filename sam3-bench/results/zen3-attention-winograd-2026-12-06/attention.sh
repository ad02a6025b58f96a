#!/usr/bin/env bash
# The attention kernels before and after this stop on SAM 3's shapes, OpenBLAS backend, 2 threads, auto (the default
# engine choice): AttentionBenchmark of both jars alternated shape by shape (the same benchmark source in both: the
# before jar is the stop's first commit with this stop's AttentionBenchmark), beside SGEMM at the start and the end.
# Before, auto ran the short-sided shapes (decoders, text encoder) on the Java kernel and gathered the encoder's windows;
# after, the native kernel takes them, biases included, and reads the windows in the grid in place.
# Usage, from the repository root: attention.sh JAR_BEFORE JAR
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
BEFORE=$1; JAR=$2
mkdir -p "$D/out"
LOG=$D/attention-log.txt
note() { echo "== $(date -u +%T) $* (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"; }
sgemm() {
  note sgemm "$1"
  java -jar "$JAR" org.sam3j.bench.SgemmBenchmark -p backend=openblas -wi 2 -i 5 -f 1 -rf json \
      -rff "$D/out/attention-sgemm-$1.json" -jvmArgsAppend -Xmx8g > /dev/null 2>&1
}
sgemm start
for shape in windowed-grid global fusion cross-bias cross geometry decoder-self fusion-text-mask fusion-text text; do
  for side in before after; do
    jar=$JAR; [ "$side" = before ] && jar=$BEFORE
    note "$side $shape"
    java -jar "$jar" org.sam3j.bench.AttentionBenchmark -p backend=openblas -p shape=$shape -wi 3 -i 10 -f 1 \
        -rf json -rff "$D/out/attention-$side-$shape.json" > /dev/null 2>&1
    echo "   rc=$?" >> "$LOG"
  done
done
sgemm end
