#!/usr/bin/env bash
# BF16 on AMX beside FP32 and beside PyTorch (both precisions), same hour: SGEMM (JMH, both backends), the kernels'
# own timings (native/test/cpu_bf16_gemm_test bench), one official PyTorch process in FP32 and one under BF16
# autocast, then sam3j `openblas` FP32 / BF16 alternated process by process (StartupProfile: full size, 3 rounds of
# encode + text prompt + 20 clicks), one BF16 process with AMX off (the emulation) and the tiny model in both
# precisions. Usage, from the repository root (jar built from the commit under test):
#   run.sh PYTHON SAM3_OFFICIAL JAR CHECKPOINT_FULL CHECKPOINT_TINY [PAIRS]
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
R=$(cd "$D/.." && pwd)
PY=$1; OFFICIAL=$2; JAR=$3; CK=$4; TINY=$5; PAIRS=${6:-2}
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
PYTHONPATH="$PP" "$PY" -W ignore "$D/python/official_bench_amp.py" 2 3 20 > "$D/out/pytorch-bf16.txt" 2>&1
echo "   rc=$?" >> "$LOG"
run() { # NAME PRECISION CONFIG CHECKPOINT [JVM ARGS...]
  local name=$1 precision=$2 config=$3 ck=$4; shift 4
  note sam3j openblas "$name"
  java --add-modules jdk.incubator.vector -Xmx16g -Dsam3j.bench.precision="$precision" "$@" -cp "$JAR" \
      org.sam3j.bench.StartupProfile "$config" openblas "$ck" 3 20 > "$D/out/openblas-$name.txt" 2>&1
  echo "   rc=$?" >> "$LOG"
}
for i in $(seq 1 "$PAIRS"); do
  run "fp32-$i" fp32 full "$CK"
  run "bf16-$i" bf16 full "$CK"
done
run bf16-emulated bf16 full "$CK" -Dsam3j.openblas.amx=off
run tiny-fp32 fp32 tiny "$TINY"
run tiny-bf16 bf16 tiny "$TINY"
echo "end $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
