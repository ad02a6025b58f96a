#!/usr/bin/env bash
# CpuAttentionBench (sam3-api's test classes: the Java attention kernel on the image encoder's windowed and global
# shapes and the detector's fusion encoder shape; best of repetitions, GFLOP/s counting 4·B·H·Tq·Tk·D) before and after,
# alternated process by process, 1 and 2 threads. Usage: bench.sh BEFORE_DIR AFTER_DIR [ROUNDS], each DIR a built
# checkout (sam3-api/target/test-classes and sam3-bench/target/sam3-bench.jar for the classes it runs).
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
BEFORE=$1; AFTER=$2; ROUNDS=${3:-4}
mkdir -p "$D/out"
for i in $(seq 1 "$ROUNDS"); do
  for side in before after; do
    dir=$BEFORE; [ "$side" = after ] && dir=$AFTER
    echo "== $(date -u +%T) $side $i (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$D/out/attention-bench.txt"
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE java --add-modules jdk.incubator.vector -Dbench.warmMs=1500 \
        -Dbench.runMs=2500 -cp "$dir/sam3-api/target/test-classes:$dir/sam3-bench/target/sam3-bench.jar" \
        org.sam3j.backend.cpu.CpuAttentionBench -k new 1 2 2>&1 | grep -v -E "WARNING|SLF4J" >> "$D/out/attention-bench.txt"
  done
done
