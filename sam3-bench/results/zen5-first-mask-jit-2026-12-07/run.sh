#!/usr/bin/env bash
# A fresh process's first mask (StartupProfile: build, then 3 rounds of encode + text prompt + 20 clicks, full size,
# openblas FP32), with the per-op print (../click-path-2026-12-04/harness/op-profile.patch applied to each build):
# before and after the kernel warm-up includes a window of a token grid, and the after build again with HotSpot's
# compile thresholds scaled down (-XX:CompileThresholdScaling=0.2); fresh processes alternated, every process
# without the VM's OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE; SGEMM (JMH) first. Usage, from the repository root:
#   run.sh JAR_BEFORE JAR_AFTER CHECKPOINT_FULL [PASSES]
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
BEFORE=$1; AFTER=$2; CK=$3; PASSES=${4:-3}
export SAM3_SHARED=${SAM3_SHARED:-$(cd .. && pwd)/shared}
mkdir -p "$D/out"
CLEAN=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
LOG=$D/run-log.txt
note() { echo "== $(date -u +%T) $* (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"; }
echo "start $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
note sgemm
"${CLEAN[@]}" java -jar "$AFTER" org.sam3j.bench.SgemmBenchmark -p backend=cpu,openblas -wi 2 -i 5 -f 1 -rf json \
    -rff "$D/out/sgemm.json" -jvmArgsAppend -Xmx8g > "$D/out/sgemm.txt" 2>&1
profile() { # NAME JAR [JVM FLAGS...]
  local name=$1 jar=$2; shift 2
  note "$name"
  "${CLEAN[@]}" java "$@" --add-modules jdk.incubator.vector -Xmx16g -Dsam3j.bench.precision=fp32 -Dtmpprof=3000 \
      -Dtmpn=3000 -cp "$jar" org.sam3j.bench.StartupProfile full openblas "$CK" 3 20 > "$D/out/$name.txt" 2>&1
  echo "   rc=$?" >> "$LOG"
}
for i in $(seq 1 "$PASSES"); do
  profile "before-$i" "$BEFORE"
  profile "after-$i" "$AFTER"
  profile "after-scaled-$i" "$AFTER" -XX:CompileThresholdScaling=0.2
done
echo "end $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
