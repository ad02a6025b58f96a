#!/usr/bin/env bash
# Issue 13: the click path before and after. Alternates fresh processes of the base build and the after build, PAIRS
# times: JMH PromptBenchmark (a click and a text prompt with a cached phrase after setImage; tiny; cpu and openblas),
# then harness/Clicks (3 images, 100 clicks each, cpu). Then one Clicks process per build with the op-profile patch
# (harness/op-profile.patch applied to CpuExecutionContext: each run of a graph of under 3000 nodes prints its steps in
# order, TMPN lines, and its per-op totals, TMPPROF). SGEMM first and last.
# Usage: run.sh BASE_JAR AFTER_JAR BASE_PROFILING_JAR AFTER_PROFILING_JAR OUT_DIR [PAIRS]
set -u
BASE=$1; AFTER=$2; BASEP=$3; AFTERP=$4; OUT=$5; PAIRS=${6:-2}
HERE=$(cd "$(dirname "$0")" && pwd)
export SAM3_SHARED=${SAM3_SHARED:-/work/shared}
mkdir -p "$OUT/classes"
javac -d "$OUT/classes" -cp "$AFTER" "$HERE/harness/Clicks.java"
log() { echo "$(date -u +%H:%M:%S) $* (load $(cut -d' ' -f1 /proc/loadavg))" >> "$OUT/run-log.txt"; }
jmh() { local name=$1 jar=$2; shift 2; log "$name"; java -jar "$jar" "$@" -rf json -rff "$OUT/$name.json" > "$OUT/$name.log" 2>&1; }
clicks() { local name=$1 jar=$2; shift 2; log "$name"
  java --add-modules jdk.incubator.vector -Xmx8g "$@" -cp "$OUT/classes:$jar" Clicks tiny cpu 100 > "$OUT/$name.txt" 2>&1; }
jmh sgemm-start "$AFTER" SgemmBenchmark.sgemm -f 1 -wi 2 -i 4
for i in $(seq 1 "$PAIRS"); do
  jmh "prompt-base-$i" "$BASE" PromptBenchmark -p config=tiny -p backend=cpu,openblas
  jmh "prompt-after-$i" "$AFTER" PromptBenchmark -p config=tiny -p backend=cpu,openblas
  clicks "clicks-base-$i" "$BASE"
  clicks "clicks-after-$i" "$AFTER"
done
clicks profile-base "$BASEP" -Dtmpprof=3000 -Dtmpn=400
clicks profile-after "$AFTERP" -Dtmpprof=3000 -Dtmpn=400
jmh sgemm-end "$AFTER" SgemmBenchmark.sgemm -f 1 -wi 2 -i 4
log done
