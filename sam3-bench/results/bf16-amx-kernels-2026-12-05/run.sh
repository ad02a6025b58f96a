#!/usr/bin/env bash
# The AMX kernels' second pass (issue 13), same hour: SGEMM (JMH, both backends), the kernels' own timings
# (native/test/cpu_bf16_gemm_test bench), one official PyTorch process in FP32 and one under BF16 autocast, then sam3j
# `openblas` BF16 before (the previous results' final commit) and after, alternated process by process
# (StartupProfile: full size, 3 rounds of encode + text prompt + 20 clicks), sam3j FP32 once (unchanged code path) and
# the tiny model at BF16 before and after. Usage, from the repository root (jars built from the commits compared):
#   run.sh PYTHON SAM3_OFFICIAL JAR_BEFORE JAR CHECKPOINT_FULL CHECKPOINT_TINY [PAIRS]
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
R=$(cd "$D/.." && pwd)
PY=$1; OFFICIAL=$2; BEFORE=$3; JAR=$4; CK=$5; TINY=$6; PAIRS=${7:-2}
export SAM3_SHARED=${SAM3_SHARED:-$(cd .. && pwd)/shared}
mkdir -p "$D/out"
LOG=$D/run-log.txt
note() { echo "== $(date -u +%T) $* (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"; }
echo "start $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
note sgemm
java -jar "$JAR" org.sam3j.bench.SgemmBenchmark -p backend=cpu,openblas -wi 2 -i 5 -f 1 -rf json \
    -rff "$D/out/sgemm.json" -jvmArgsAppend -Xmx8g > "$D/out/sgemm.txt" 2>&1
echo "   rc=$?" >> "$LOG"
note kernels
make -s -C native target/native/cpu_bf16_gemm_test > /dev/null 2>&1
native/target/native/cpu_bf16_gemm_test bench > "$D/out/kernels.txt" 2>&1
echo "   rc=$?" >> "$LOG"
PP="$R/text-prompt-and-click-2026-12-03/python:$R/pytorch-side-by-side-2026-12-03/python:$OFFICIAL"
note pytorch fp32
PYTHONPATH="$PP" "$PY" -W ignore "$R/text-prompt-and-click-2026-12-03/python/official_bench.py" 2 3 20 \
    > "$D/out/pytorch-fp32.txt" 2>&1
echo "   rc=$?" >> "$LOG"
note pytorch bf16 autocast
PYTHONPATH="$PP" "$PY" -W ignore "$R/bf16-amx-2026-12-05/python/official_bench_amp.py" 2 3 20 \
    > "$D/out/pytorch-bf16.txt" 2>&1
echo "   rc=$?" >> "$LOG"
run() { # NAME JAR PRECISION CONFIG CHECKPOINT
  local name=$1 jar=$2 precision=$3 config=$4 ck=$5
  note sam3j openblas "$name"
  java --add-modules jdk.incubator.vector -Xmx16g -Dsam3j.bench.precision="$precision" -cp "$jar" \
      org.sam3j.bench.StartupProfile "$config" openblas "$ck" 3 20 > "$D/out/openblas-$name.txt" 2>&1
  echo "   rc=$?" >> "$LOG"
}
for i in $(seq 1 "$PAIRS"); do
  run "bf16-before-$i" "$BEFORE" bf16 full "$CK"
  run "bf16-after-$i" "$JAR" bf16 full "$CK"
done
run fp32 "$JAR" fp32 full "$CK"
run tiny-bf16-before "$BEFORE" bf16 tiny "$TINY"
run tiny-bf16-after "$JAR" bf16 tiny "$TINY"
echo "end $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
