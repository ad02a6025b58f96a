#!/bin/bash
# Winograd on the pure-Java backend, where it stays on by default: full-size text prompts with
# -Dsam3j.cpu.winograd=false and =true, alternated fork by fork, two rounds; SGEMM first and last.
# Usage: winograd-cpu.sh JAR OUT_DIR
set -u
jar=$1; out=$2
export SAM3_SHARED=${SAM3_SHARED:-/work/shared}
mkdir -p "$out"; cd "$out"
log() { echo "$(date -u +%H:%M:%S) $* (load $(cut -d' ' -f1 /proc/loadavg))" >> run-log.txt; }
jmh() { local name=$1; shift; log "$name"; java -jar "$jar" "$@" -rf json -rff "$name.json" > "$name.log" 2>&1; }
jmh wc-sgemm-start SgemmBenchmark.sgemm -f 1 -wi 2 -i 4
for r in 1 2; do
  for wg in false true; do
    jmh wc-text-cpu-winograd-$wg-$r PromptBenchmark.textPrompt -p config=full -p backend=cpu -f 1 -wi 2 -i 5 \
      -jvmArgsAppend -Dsam3j.cpu.winograd=$wg
  done
done
jmh wc-sgemm-end SgemmBenchmark.sgemm -f 1 -wi 2 -i 4
log done
