#!/usr/bin/env bash
# A fresh process's first mask with the checkpoint's readahead (Sam3Model.Builder#readahead, the default) and
# without it (-Dsam3j.bench.readahead=false), full size, openblas FP32: PAIRS alternated pairs with the page cache
# dropped before each process (a checkpoint not read since the machine started: needs root), then PAIRS pairs with
# the checkpoint cached (read through once first). SGEMM (JMH) first. Every process without the VM's
# OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE. Then account.py of ../zen5-first-mask-accounting-2026-12-07 on each set.
# Usage, from the repository root: run.sh BENCH_JAR CHECKPOINT_FULL [PAIRS]
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
JAR=$1; CK=$2; PAIRS=${3:-3}
export SAM3_SHARED=${SAM3_SHARED:-$(cd .. && pwd)/shared}
CLEAN=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
LOG=$D/run-log.txt
note() { echo "== $(date -u +%T) $* (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"; }
echo "start $(date -u +%FT%TZ) $(grep -m1 'model name' /proc/cpuinfo) load $(cat /proc/loadavg)" >> "$LOG"
note sgemm
"${CLEAN[@]}" java -jar "$JAR" org.sam3j.bench.SgemmBenchmark -p backend=cpu,openblas -wi 2 -i 5 -f 1 -rf json \
    -rff "$D/out/sgemm.json" -jvmArgsAppend -Xmx8g > "$D/out/sgemm.txt" 2>&1
profile() { # NAME READAHEAD
  note "$1"
  "${CLEAN[@]}" java --add-modules jdk.incubator.vector -Xmx16g -Dsam3j.bench.precision=fp32 \
      -Dsam3j.bench.readahead="$2" -Dorg.slf4j.simpleLogger.log.org.sam3j.io.Readahead=debug -cp "$JAR" \
      org.sam3j.bench.StartupProfile full openblas "$CK" 2 3 > "$D/out/$1.txt" 2>&1
  echo "   rc=$? $(fincore --noheadings --bytes "$CK" 2>/dev/null)" >> "$LOG"
}
for i in $(seq 1 "$PAIRS"); do
  for ra in true false; do
    sync; echo 1 > /proc/sys/vm/drop_caches
    profile "cold-readahead-$ra-$i" "$ra"
  done
done
cat "$CK" > /dev/null
for i in $(seq 1 "$PAIRS"); do
  for ra in true false; do profile "cached-readahead-$ra-$i" "$ra"; done
done
A=$D/../zen5-first-mask-accounting-2026-12-07/account.py
python3 "$A" "$D"/out/cold-*.txt > "$D/out/account-cold.txt"
python3 "$A" "$D"/out/cached-*.txt > "$D/out/account-cached.txt"
note done
