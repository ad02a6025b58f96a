#!/usr/bin/env bash
# Text prompts beside the official PyTorch model, many per process, alternated process by process on the same machine,
# with the SGEMM rate measured before each pair (OpenBLAS through JMH and PyTorch's), so that a slow spell of the VM
# shows in the figures of the pair it slowed. Per pair: PyTorch (fp32, 2 threads; one image, its two text prompts of
# the old script then TEXTS - 1 more, each a new phrase), then each sam3j jar (StartupProfile full openblas: ROUNDS
# rounds of setImage + a text prompt + TEXTS - 1 more on the same image + one click).
# A sam3j text prompt right after setImage includes the detector's image side (computed once per image); the later
# ones on the same image do not. PyTorch computes everything for every prompt.
# Usage, from the repository root: texts.sh PYTHON SAM3_OFFICIAL CHECKPOINT PAIRS NAME=JAR [NAME=JAR ...]
# (ROUNDS, default 3, and TEXTS, default 5, from the environment; PYTORCH_TEXTS, default 16)
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
R=$(cd "$D/.." && pwd)
PY=$1; OFFICIAL=$2; CK=$3; PAIRS=$4; shift 4
ROUNDS=${ROUNDS:-3}; TEXTS=${TEXTS:-5}; PYTORCH_TEXTS=${PYTORCH_TEXTS:-16}
export SAM3_SHARED=${SAM3_SHARED:-$(cd .. && pwd)/shared}
mkdir -p "$D/out"
LOG=$D/texts-log.txt
FIRST_JAR=${1#*=}
note() { echo "== $(date -u +%T) $* (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"; }
echo "start $(date -u +%FT%TZ) rounds $ROUNDS texts $TEXTS pytorch texts $PYTORCH_TEXTS $* load $(cat /proc/loadavg)" >> "$LOG"
sgemm() {
  note sgemm "$1"
  java -jar "$FIRST_JAR" org.sam3j.bench.SgemmBenchmark -p backend=openblas -wi 2 -i 5 -f 1 -rf json \
      -rff "$D/out/sgemm-$1.json" -jvmArgsAppend -Xmx8g > /dev/null 2>&1
  echo "   rc=$?" >> "$LOG"
  "$PY" "$R/text-prompt-and-click-2026-12-03/python/torch_sgemm.py" > "$D/out/torch-sgemm-$1.txt" 2>&1
}
for i in $(seq 1 "$PAIRS"); do
  sgemm "$i"
  note "pytorch $i"
  PYTHONPATH="$R/text-prompt-and-click-2026-12-03/python:$R/pytorch-side-by-side-2026-12-03/python:$OFFICIAL" \
      "$PY" -W ignore "$R/text-prompt-and-click-2026-12-03/python/official_bench.py" 2 1 1 "$PYTORCH_TEXTS" \
      > "$D/out/pytorch-$i.txt" 2>&1
  echo "   rc=$?" >> "$LOG"
  for named in "$@"; do
    name=${named%%=*}; jar=${named#*=}
    note "sam3j $name $i"
    java --add-modules jdk.incubator.vector -Xmx16g -cp "$jar" org.sam3j.bench.StartupProfile full openblas "$CK" \
        "$ROUNDS" 1 "$TEXTS" > "$D/out/$name-$i.txt" 2>&1
    echo "   rc=$?" >> "$LOG"
  done
done
sgemm end
echo "end $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
