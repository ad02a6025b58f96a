#!/bin/bash
# Execution contexts' buffers and freed resident outputs reused through the backend's pool (after) against the
# commit before (before), full size: fresh processes of StartupProfile (build, then five rounds of a new image, a new
# phrase and a click) on cpu and openblas, alternated; SGEMM first and last.
# Usage: run.sh BEFORE_JAR AFTER_JAR OUT_DIR CHECKPOINT
set -u
before=$1; after=$2; out=$3; ck=$4
export SAM3_SHARED=${SAM3_SHARED:-/work/shared}
mkdir -p "$out"; cd "$out"
log() { echo "$(date -u +%H:%M:%S) $* (load $(cut -d' ' -f1 /proc/loadavg))" >> run-log.txt; }
jmh() { local jar=$1 name=$2; shift 2; log "$name"; java -jar "$jar" "$@" -rf json -rff "$name.json" > "$name.log" 2>&1; }
profile() { local jar=$1 name=$2 backend=$3; log "$name"
  java --add-modules jdk.incubator.vector -Xmx16g -cp "$jar" org.sam3j.bench.StartupProfile full "$backend" "$ck" 5 \
    > "$name.txt" 2>&1; }
jmh "$after" sgemm-start SgemmBenchmark.sgemm -f 1 -wi 2 -i 4
for backend in cpu openblas; do
  for s in before after; do
    jar=$before; [ $s = after ] && jar=$after
    profile "$jar" profile-$backend-$s $backend
  done
done
jmh "$after" sgemm-end SgemmBenchmark.sgemm -f 1 -wi 2 -i 4
log done
