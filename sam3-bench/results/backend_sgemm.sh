#!/usr/bin/env bash
# The SGEMM rate through sam3j's backends (JMH SgemmBenchmark, 5184 x 4736 x 1024, 2 warm-ups + 5 iterations, one
# fork), written as JMH JSON to OUT; the results scripts call it beside their runs so that their efficiency figures
# divide by a rate of the same hour. Usage: backend_sgemm.sh JAR OUT [BACKENDS] (BACKENDS: default openblas; e.g.
# openblas,cpu). Exit status: the benchmark's.
set -uo pipefail
JAR=$1; OUT=$2; BACKENDS=${3:-openblas}
java -jar "$JAR" org.sam3j.bench.SgemmBenchmark -p backend="$BACKENDS" -wi 2 -i 5 -f 1 -rf json -rff "$OUT" \
    -jvmArgsAppend -Xmx8g > /dev/null 2>&1
