#!/usr/bin/env bash
# The text prompt's changed operations one at a time (OpProbe.java: a one-node graph, 15 runs, median), before and
# after, alternated shape by shape, twice; on `openblas`, and the upsampled convolution and the mask product on `cpu`.
# Usage, from the repository root: probe.sh JAR_BEFORE JAR
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
BEFORE=$1; JAR=$2
export SAM3_SHARED=${SAM3_SHARED:-$(cd .. && pwd)/shared}
LOG=$D/probe-log.txt
echo "start $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
probe() { # SIDE JAR SHAPE BACKEND
  echo -n "$1 $4 " >> "$LOG"
  java --add-modules jdk.incubator.vector -Xmx8g -cp "$2" "$D/OpProbe.java" "$3" 15 "$4" 2>/dev/null | tail -1 >> "$LOG"
}
for round in 1 2; do
  for shape in c288 c144 u288 u144 c7 roi mm bias; do
    probe before "$BEFORE" $shape openblas
    probe after "$JAR" $shape openblas
  done
  for shape in u288 mm; do
    probe before "$BEFORE" $shape cpu
    probe after "$JAR" $shape cpu
  done
done
echo "end $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
