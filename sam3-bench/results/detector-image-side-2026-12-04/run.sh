#!/bin/bash
# The detector's image side computed once per image (commit edda288) against before (f55d196), full size.
# Usage: run.sh BEFORE_JAR AFTER_JAR OUT_DIR CHECKPOINT. SGEMM first and last; StartupProfile (build, then three
# rounds of a new image, a new phrase and a click: the first text prompt on each image) and PromptBenchmark.textPrompt
# (the same phrase again on the same image) on openblas and cpu, before and after alternated.
set -u
before=$1; after=$2; out=$3; ck=$4
export SAM3_SHARED=${SAM3_SHARED:-/work/shared}
mkdir -p "$out"; cd "$out"
log() { echo "$(date -u +%H:%M:%S) $* (load $(cut -d' ' -f1 /proc/loadavg))" >> run-log.txt; }
jmh() { local jar=$1 name=$2; shift 2; log "$name"; java -jar "$jar" "$@" -rf json -rff "$name.json" > "$name.log" 2>&1; }
profile() { local jar=$1 name=$2 backend=$3; log "$name"
  java --add-modules jdk.incubator.vector -Xmx16g -cp "$jar" org.sam3j.bench.StartupProfile full "$backend" "$ck" 3 \
    > "$name.txt" 2>&1; }
jmh "$after" sgemm-start SgemmBenchmark.sgemm -f 1 -wi 2 -i 4
[ -f "$ck" ] || { log checkpoint; java -Xmx16g -cp "$after" org.sam3j.bench.StartupProfile full cpu "$ck" > checkpoint.txt 2>&1; }
for r in 1 2; do
  for s in before after; do
    jar=$before; [ $s = after ] && jar=$after
    profile "$jar" profile-openblas-$s-$r openblas
  done
done
for r in 1 2; do
  for s in before after; do
    jar=$before; [ $s = after ] && jar=$after
    jmh "$jar" text-openblas-$s-$r PromptBenchmark.textPrompt -p config=full -p backend=openblas -f 1 -wi 2 -i 5
  done
done
for s in before after; do
  jar=$before; [ $s = after ] && jar=$after
  profile "$jar" profile-cpu-$s-1 cpu
  jmh "$jar" text-cpu-$s-1 PromptBenchmark.textPrompt -p config=full -p backend=cpu -f 1 -wi 2 -i 5
done
jmh "$after" sgemm-end SgemmBenchmark.sgemm -f 1 -wi 2 -i 4
log done
