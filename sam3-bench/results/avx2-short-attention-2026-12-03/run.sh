#!/bin/bash
# Attention with a short side on the Vector API at 8 lanes: before (BEFORE_JAR) / after (AFTER_JAR), alternated fork
# by fork. Usage: run.sh BEFORE_JAR AFTER_JAR OUT_DIR. SGEMM first and last; AttentionBenchmark on the after jar with
# -Dsam3j.cpu.vector=false (the auto-vectorised kernel, as before) against the default; then whole clicks and text
# prompts (full size, both CPU backends).
set -u
before=$1; after=$2; out=$3
export SAM3_SHARED=${SAM3_SHARED:-/work/shared}
mkdir -p "$out"; cd "$out"
log() { echo "$(date -u +%H:%M:%S) $* (load $(cut -d' ' -f1 /proc/loadavg))" >> run-log.txt; }
jmh() { local jar=$1 name=$2; shift 2; log "$name"; java -jar "$jar" "$@" -rf json -rff "$name.json" > "$name.log" 2>&1; }
jmh "$after" sgemm-start SgemmBenchmark.sgemm -f 1 -wi 2 -i 4
shapes=click-tokens,click-image,cross,decoder-self,fusion-text,text
for r in 1 2; do
  for v in false true; do
    jmh "$after" attention-vector-$v-$r AttentionBenchmark -p backend=cpu,openblas -p shape=$shapes -f 1 -wi 12 -i 12 \
      -jvmArgsAppend -Dsam3j.cpu.vector=$v
  done
done
for r in 1 2; do
  for b in openblas cpu; do
    for s in before after; do
      jar=$before; [ $s = after ] && jar=$after
      jmh "$jar" click-$b-$s-$r PromptBenchmark.click -p config=full -p backend=$b -f 1 -wi 3 -i 12
    done
  done
done
for b in openblas cpu; do
  for s in before after; do
    jar=$before; [ $s = after ] && jar=$after
    jmh "$jar" text-$b-$s PromptBenchmark.textPrompt -p config=full -p backend=$b -f 1 -wi 2 -i 5
  done
done
jmh "$after" sgemm-end SgemmBenchmark.sgemm -f 1 -wi 2 -i 4
log done
