#!/usr/bin/env bash
# Peak resident set (and the rest of StartupProfile's phases) before and after the CPU contexts hand their arena
# back to the pool after every run: `openblas` FP32, `cpu` FP32 and `openblas` BF16, each a fresh StartupProfile
# process (full size, 3 rounds of encode + text prompt + 20 clicks), builds alternated, and the official PyTorch in
# FP32 beside them (official_bench.py, 3 rounds); SGEMM (JMH) at the start. Every process runs without the VM's
# OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE. Usage, from the repository root:
#   run.sh PYTHON SAM3_OFFICIAL JAR_BEFORE JAR_AFTER CHECKPOINT_FULL [PAIRS]
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
R=$(cd "$D/.." && pwd)
PY=$1; OFFICIAL=$2; BEFORE=$3; AFTER=$4; CK=$5; PAIRS=${6:-2}
export SAM3_SHARED=${SAM3_SHARED:-$(cd .. && pwd)/shared}
mkdir -p "$D/out"
env | grep -E '^(OPENBLAS|MKL|OMP|GOTO)_' | sort > "$D/out/environment.txt"
CLEAN=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
LOG=$D/run-log.txt
note() { echo "== $(date -u +%T) $* (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"; }
echo "start $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
note sgemm
"${CLEAN[@]}" java -jar "$AFTER" org.sam3j.bench.SgemmBenchmark -p backend=cpu,openblas -wi 2 -i 5 -f 1 -rf json \
    -rff "$D/out/sgemm.json" -jvmArgsAppend -Xmx8g > "$D/out/sgemm.txt" 2>&1
sam3j() { # NAME JAR BACKEND PRECISION
  note "$1"
  "${CLEAN[@]}" java --add-modules jdk.incubator.vector -Xmx16g -Dsam3j.bench.precision="$4" -cp "$2" \
      org.sam3j.bench.StartupProfile full "$3" "$CK" 3 20 > "$D/out/$1.txt" 2>&1
  echo "   rc=$?" >> "$LOG"
}
PP="$R/text-prompt-and-click-2026-12-03/python:$R/pytorch-side-by-side-2026-12-03/python:$OFFICIAL"
for i in $(seq 1 "$PAIRS"); do
  sam3j "openblas-fp32-before-$i" "$BEFORE" openblas fp32
  sam3j "openblas-fp32-after-$i" "$AFTER" openblas fp32
  sam3j "cpu-fp32-before-$i" "$BEFORE" cpu fp32
  sam3j "cpu-fp32-after-$i" "$AFTER" cpu fp32
  sam3j "openblas-bf16-before-$i" "$BEFORE" openblas bf16
  sam3j "openblas-bf16-after-$i" "$AFTER" openblas bf16
  note pytorch fp32 "$i"
  "${CLEAN[@]}" PYTHONPATH="$PP" "$PY" -W ignore "$R/text-prompt-and-click-2026-12-03/python/official_bench.py" 2 3 20 \
      > "$D/out/pytorch-fp32-$i.txt" 2>&1
  echo "   rc=$?" >> "$LOG"
done
echo "end $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
