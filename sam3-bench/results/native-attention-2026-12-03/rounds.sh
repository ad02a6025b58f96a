#!/bin/bash
# Two more rounds of the attention engines (after jar), each shape's engines in turn, and the kernel alone (the C++
# harness kernel-bench.cpp: 2 threads, heads split between them, no staging). Usage: rounds.sh AFTER_JAR OUT_DIR
set -u
after=$1; out=$2
export SAM3_SHARED=${SAM3_SHARED:-/work/shared}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"; cd "$out"
log() { echo "$(date -u +%H:%M:%S) $* (load $(cut -d' ' -f1 /proc/loadavg))" >> run-log.txt; }
g++ -O3 -std=c++17 -pthread -I"$here/../../../native/src" "$here/kernel-bench.cpp" -o kernel-bench
for r in 2 3; do
  for shape in fusion global windowed; do
    log "attention-$shape-$r"
    java -jar "$after" AttentionBenchmark -p backend=openblas -p shape=$shape -p attention=native,java,openblas \
      -f 1 -wi 3 -i 8 -rf json -rff attention-$shape-$r.json > attention-$shape-$r.log 2>&1
  done
  log "kernel-$r"
  { ./kernel-bench 5184 8 32; ./kernel-bench 5184 16 64; } > kernel-$r.txt
done
log done
