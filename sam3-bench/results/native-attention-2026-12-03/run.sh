#!/bin/bash
# sam3j's native AVX2 attention kernel on the openblas backend: before (BEFORE_JAR, commit 0d4b538) / after
# (AFTER_JAR). Usage: run.sh BEFORE_JAR AFTER_JAR OUT_DIR. SGEMM first and last (both engines); AttentionBenchmark
# on the after jar with each attention engine (native, openblas products, Java) on the long shapes; then full-size
# encodes and text prompts on openblas, before and after alternated fork by fork.
set -u
before=$1; after=$2; out=$3
export SAM3_SHARED=${SAM3_SHARED:-/work/shared}
mkdir -p "$out"; cd "$out"
log() { echo "$(date -u +%H:%M:%S) $* (load $(cut -d' ' -f1 /proc/loadavg))" >> run-log.txt; }
jmh() { local jar=$1 name=$2; shift 2; log "$name"; java -jar "$jar" "$@" -rf json -rff "$name.json" > "$name.log" 2>&1; }
jmh "$after" sgemm-start SgemmBenchmark.sgemm -f 1 -wi 2 -i 4
jmh "$after" attention AttentionBenchmark -p backend=openblas -p shape=fusion,global,windowed \
  -p attention=native,openblas,java -f 1 -wi 3 -i 8
for r in 1 2; do
  for s in before after; do
    jar=$before; [ $s = after ] && jar=$after
    jmh "$jar" text-$s-$r PromptBenchmark.textPrompt -p config=full -p backend=openblas -f 1 -wi 2 -i 5
  done
done
for r in 1 2; do
  for s in before after; do
    jar=$before; [ $s = after ] && jar=$after
    jmh "$jar" encode-$s-$r ImageEncoderBenchmark.encode -p config=full -p backend=openblas -f 1 -wi 1 -i 2
  done
done
jmh "$after" sgemm-end SgemmBenchmark.sgemm -f 1 -wi 2 -i 4
log done
