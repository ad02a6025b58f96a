#!/usr/bin/env bash
# Second run, after run.sh: the attention step (JAR_STEP1 = the first AVX512-BF16 attention, 8 rows of C at a time in
# registers; JAR = 16 rows) alternated, two pairs of BF16 processes; then one more official PyTorch process in FP32
# and one under BF16 autocast (run.sh's first pair had none: pkg_resources was missing), and the pure-Java `cpu`
# backend in FP32 alternated with PyTorch FP32 (its SGEMM is the faster one on this CPU). SGEMM at the start and the
# end. Usage, from the repository root:
#   run-2.sh PYTHON SAM3_OFFICIAL JAR_STEP1 JAR CHECKPOINT_FULL CHECKPOINT_TINY
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
R=$(cd "$D/.." && pwd)
PY=$1; OFFICIAL=$2; STEP1=$3; JAR=$4; CK=$5; TINY=$6
export SAM3_SHARED=${SAM3_SHARED:-$(cd .. && pwd)/shared}
mkdir -p "$D/out"
LOG=$D/run-2-log.txt
note() { echo "== $(date -u +%T) $* (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"; }
echo "start $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
sgemm() { # TAG
  note sgemm "$1"
  java -jar "$JAR" org.sam3j.bench.SgemmBenchmark -p backend=cpu,openblas -wi 2 -i 5 -f 1 -rf json \
      -rff "$D/out/sgemm-$1.json" -jvmArgsAppend -Xmx8g > "$D/out/sgemm-$1.txt" 2>&1
  echo "   rc=$?" >> "$LOG"
}
PP="$R/text-prompt-and-click-2026-12-03/python:$R/pytorch-side-by-side-2026-12-03/python:$OFFICIAL"
pytorch() { # NAME SCRIPT
  note pytorch "$1"
  PYTHONPATH="$PP" "$PY" -W ignore "$2" 2 3 20 > "$D/out/pytorch-$1.txt" 2>&1
  echo "   rc=$?" >> "$LOG"
}
sam3j() { # NAME JAR BACKEND PRECISION CONFIG CHECKPOINT
  note sam3j "$1"
  java --add-modules jdk.incubator.vector -Xmx16g -Dsam3j.bench.precision="$4" -cp "$2" \
      org.sam3j.bench.StartupProfile "$5" "$3" "$6" 3 20 > "$D/out/$3-$1.txt" 2>&1
  echo "   rc=$?" >> "$LOG"
}
sgemm start-2
for i in 1 2; do
  sam3j "bf16-step1-$i" "$STEP1" openblas bf16 full "$CK"
  sam3j "bf16-step2-$i" "$JAR" openblas bf16 full "$CK"
done
pytorch fp32-3 "$R/text-prompt-and-click-2026-12-03/python/official_bench.py"
pytorch bf16-3 "$R/bf16-amx-2026-12-05/python/official_bench_amp.py"
sam3j fp32-1 "$JAR" cpu fp32 full "$CK"
pytorch fp32-4 "$R/text-prompt-and-click-2026-12-03/python/official_bench.py"
sam3j fp32-2 "$JAR" cpu fp32 full "$CK"
sam3j tiny-bf16-step2 "$JAR" openblas bf16 tiny "$TINY"
sgemm end-2
echo "end $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
