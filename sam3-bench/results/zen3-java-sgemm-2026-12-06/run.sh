#!/usr/bin/env bash
# The pure-Java backend's matrix products on AVX2 (VectorSgemm.halfStrip), before and after, alternated:
#   run.sh sgemm   JAR_BEFORE JAR_AFTER [ROUNDS]  JMH SgemmBenchmark, cpu backend (and openblas once, the machine's rate)
#   run.sh startup JAR_BEFORE JAR_AFTER CONFIG CHECKPOINT [PROCESSES [ROUNDS]]  StartupProfile CONFIG cpu, fresh processes
# Run from the repository root; outputs go to out/ beside this script, one line per run to LOG.
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
MODE=$1; BEFORE=$2; AFTER=$3
export SAM3_SHARED=${SAM3_SHARED:-$(cd .. && pwd)/shared}
mkdir -p "$D/out"
LOG=$D/$MODE-log.txt
echo "start $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
case $MODE in
  sgemm)
    ROUNDS=${4:-2}
    bash "$D/../backend_sgemm.sh" "$AFTER" "$D/out/sgemm-openblas-start.json" openblas
    for r in $(seq 1 "$ROUNDS"); do
      for side in before after; do
        jar=$BEFORE; [ $side = after ] && jar=$AFTER
        bash "$D/../backend_sgemm.sh" "$jar" "$D/out/sgemm-cpu-$side-$r.json" cpu
        echo "$side $r $(python3 -c "import json,sys; d=json.load(open(sys.argv[1]))[0]['primaryMetric']; print('%.1f ms (%s)' % (d['score'], ', '.join('%.1f' % x for x in d['rawData'][0])))" "$D/out/sgemm-cpu-$side-$r.json")" >> "$LOG"
      done
    done
    bash "$D/../backend_sgemm.sh" "$AFTER" "$D/out/sgemm-openblas-end.json" openblas
    for f in start end; do
      echo "openblas $f $(python3 -c "import json,sys; print('%.1f ms' % json.load(open(sys.argv[1]))[0]['primaryMetric']['score'])" "$D/out/sgemm-openblas-$f.json")" >> "$LOG"
    done ;;
  startup)
    CONFIG=$4; CK=$5; N=${6:-2}; ROUNDS=${7:-3}
    for i in $(seq 1 "$N"); do
      for side in before after; do
        jar=$BEFORE; [ $side = after ] && jar=$AFTER
        out=$D/out/startup-$CONFIG-$side-$i.txt
        java --add-modules jdk.incubator.vector -Xmx16g -cp "$jar" org.sam3j.bench.StartupProfile "$CONFIG" cpu "$CK" "$ROUNDS" > "$out" 2>&1
        echo "$CONFIG $side $i: $(grep -E '^(build|setImage|textPrompt|click)#?[0-9]* ' "$out" | awk '{printf "%s %s s; ", $1, $3}')" >> "$LOG"
      done
    done ;;
  *) echo "usage: run.sh sgemm|startup ..." >&2; exit 2 ;;
esac
echo "end $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
