#!/usr/bin/env bash
# BF16 with AVX512-BF16 (no AMX) beside FP32 and beside PyTorch (FP32 and BF16 autocast), same hour, on a CPU without
# AMX: SGEMM (JMH, both backends), the kernels' own timings (native/test/cpu_bf16_gemm_test bench), then rounds of
# alternation: one official PyTorch process in FP32, one under BF16 autocast, sam3j `openblas` FP32, BF16 before (the
# emulation every CPU backend ran here, JAR_BEFORE) and BF16 after (JAR); then the tiny model in both precisions.
# Each sam3j process is StartupProfile: full size, 3 rounds of encode + text prompt + 20 clicks. Usage, from the
# repository root:
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
sgemm() { # TAG
  note sgemm "$1"
  java -jar "$JAR" org.sam3j.bench.SgemmBenchmark -p backend=cpu,openblas -wi 2 -i 5 -f 1 -rf json \
      -rff "$D/out/sgemm-$1.json" -jvmArgsAppend -Xmx8g > "$D/out/sgemm-$1.txt" 2>&1
  echo "   rc=$?" >> "$LOG"
}
sgemm start
note kernels
make -s -C native target/native/cpu_bf16_gemm_test > /dev/null 2>&1
native/target/native/cpu_bf16_gemm_test bench > "$D/out/kernels.txt" 2>&1
echo "   rc=$?" >> "$LOG"
PP="$R/text-prompt-and-click-2026-12-03/python:$R/pytorch-side-by-side-2026-12-03/python:$OFFICIAL"
sam3j() { # NAME JAR PRECISION CONFIG CHECKPOINT [JVM ARGS...]
  local name=$1 jar=$2 precision=$3 config=$4 ck=$5; shift 5
  note sam3j openblas "$name"
  java --add-modules jdk.incubator.vector -Xmx16g -Dsam3j.bench.precision="$precision" "$@" -cp "$jar" \
      org.sam3j.bench.StartupProfile "$config" openblas "$ck" 3 20 > "$D/out/openblas-$name.txt" 2>&1
  echo "   rc=$?" >> "$LOG"
}
for i in $(seq 1 "$PAIRS"); do
  note pytorch fp32 "$i"
  PYTHONPATH="$PP" "$PY" -W ignore "$R/text-prompt-and-click-2026-12-03/python/official_bench.py" 2 3 20 \
      > "$D/out/pytorch-fp32-$i.txt" 2>&1
  echo "   rc=$?" >> "$LOG"
  note pytorch bf16 autocast "$i"
  PYTHONPATH="$PP" "$PY" -W ignore "$R/bf16-amx-2026-12-05/python/official_bench_amp.py" 2 3 20 \
      > "$D/out/pytorch-bf16-$i.txt" 2>&1
  echo "   rc=$?" >> "$LOG"
  sam3j "fp32-$i" "$JAR" fp32 full "$CK"
  sam3j "bf16-before-$i" "$BEFORE" bf16 full "$CK"
  sam3j "bf16-$i" "$JAR" bf16 full "$CK"
done
sam3j tiny-fp32 "$JAR" fp32 tiny "$TINY"
sam3j tiny-bf16-before "$BEFORE" bf16 tiny "$TINY"
sam3j tiny-bf16 "$JAR" bf16 tiny "$TINY"
sgemm end
echo "end $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
