#!/usr/bin/env bash
# The OpenBLAS backend on a Zen 5 with the kernels OpenBLAS picks itself (Cooperlake: AVX-512) and with the AVX2
# (Haswell) kernels the development VM's environment forced on it (OPENBLAS_CORETYPE=Haswell, OPENBLAS_L2_SIZE=512,
# set for every process there, and so in results/zen5-bf16-avx512-2026-12-06), alternated process by process with
# the pure-Java `cpu` backend, `openblas` at BF16 and the official PyTorch in FP32. SGEMM at the start and the end,
# both ways. Each sam3j process is StartupProfile: full size, 3 rounds of encode + text prompt + 20 clicks. Usage,
# from the repository root:
#   run.sh PYTHON SAM3_OFFICIAL JAR CHECKPOINT_FULL [PAIRS]
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
R=$(cd "$D/.." && pwd)
PY=$1; OFFICIAL=$2; JAR=$3; CK=$4; PAIRS=${5:-2}
export SAM3_SHARED=${SAM3_SHARED:-$(cd .. && pwd)/shared}
mkdir -p "$D/out"
LOG=$D/run-log.txt
# the environment as the VM sets it, recorded; every process below runs without it unless named "forced"
env | grep -E '^(OPENBLAS|MKL|OMP|GOTO)_' | sort > "$D/out/environment.txt"
FORCED=(env OPENBLAS_CORETYPE=Haswell OPENBLAS_L2_SIZE=512)
CLEAN=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
note() { echo "== $(date -u +%T) $* (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"; }
echo "start $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
sgemm() { # TAG ENV...
  local tag=$1; shift
  note sgemm "$tag"
  "$@" java -jar "$JAR" org.sam3j.bench.SgemmBenchmark -p backend=cpu,openblas -wi 2 -i 5 -f 1 -rf json \
      -rff "$D/out/sgemm-$tag.json" -jvmArgsAppend -Xmx8g > "$D/out/sgemm-$tag.txt" 2>&1
  echo "   rc=$?" >> "$LOG"
}
PP="$R/text-prompt-and-click-2026-12-03/python:$R/pytorch-side-by-side-2026-12-03/python:$OFFICIAL"
sam3j() { # NAME BACKEND PRECISION ENV...
  local name=$1 backend=$2 precision=$3; shift 3
  note sam3j "$name"
  "$@" java --add-modules jdk.incubator.vector -Xmx16g -Dsam3j.bench.precision="$precision" -cp "$JAR" \
      org.sam3j.bench.StartupProfile full "$backend" "$CK" 3 20 > "$D/out/$name.txt" 2>&1
  echo "   rc=$?" >> "$LOG"
}
sgemm start "${CLEAN[@]}"
sgemm start-forced "${FORCED[@]}"
for i in $(seq 1 "$PAIRS"); do
  sam3j "openblas-fp32-forced-$i" openblas fp32 "${FORCED[@]}"
  sam3j "openblas-fp32-$i" openblas fp32 "${CLEAN[@]}"
  sam3j "cpu-fp32-$i" cpu fp32 "${CLEAN[@]}"
  sam3j "openblas-bf16-$i" openblas bf16 "${CLEAN[@]}"
  note pytorch fp32 "$i"
  "${CLEAN[@]}" PYTHONPATH="$PP" "$PY" -W ignore "$R/text-prompt-and-click-2026-12-03/python/official_bench.py" 2 3 20 \
      > "$D/out/pytorch-fp32-$i.txt" 2>&1
  echo "   rc=$?" >> "$LOG"
done
sgemm end "${CLEAN[@]}"
sgemm end-forced "${FORCED[@]}"
echo "end $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
