#!/usr/bin/env bash
# Before (commit 82f5207, the previous stop's end) against after (this stop's commit), same machine, same run: every step
# runs on the before jar and at once on the after jar, so both sides of a row see the same machine state. EXTRA (an
# environment variable of a step) adds JVM options to both sides: 11-sgemm-novector runs the auto-vectorised kernels.
# Usage, from the repository root: run.sh BEFORE_JAR AFTER_JAR (each built with ./mvnw -B -q package -DskipTests -pl
# sam3-bench -am in a clean checkout of its commit). Writes before/, after/ and run-log.txt next to this script.
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
declare -A JAR=([before]=$1 [after]=$2)
export SAM3_SHARED=${SAM3_SHARED:-$(cd .. && pwd)/shared}
mkdir -p "$D/before" "$D/after"
LOG=$D/run-log.txt
echo "start $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
step() { # name, JMH arguments
  local name=$1; shift
  for side in before after; do
    echo "== $(date -u +%T) $side $name: $* (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"
    local out
    out=$(java -jar "${JAR[$side]}" "$@" -rf json -rff "$D/$side/jmh-$name.json" \
        -jvmArgsAppend "-Xmx16g -Dsam3j.bench.stats=$D/$side/stats.jsonl -Dsam3j.bench.step=$name ${EXTRA:-}" 2>&1)
    echo "   rc=$? $(echo "$out" | grep -E '^(Benchmark|[A-Za-z]+Benchmark\.)' | tr '\n' '|')" >> "$LOG"
  done
}
step 1-sgemm org.sam3j.bench.SgemmBenchmark -p backend=openblas,cpu -wi 2 -i 5
step 2-sgemm-native NativeSgemmBenchmark -wi 2 -i 5
step 3-encode-tiny ImageEncoderBenchmark -p config=tiny -p backend=openblas,cpu
step 4-encode-full ImageEncoderBenchmark -p config=full -p backend=openblas,cpu -wi 1 -i 2
step 5-prompt-tiny PromptBenchmark -p config=tiny -p backend=openblas,cpu
step 6-prompt-full PromptBenchmark -p config=full -p backend=openblas,cpu -wi 1 -i 3
step 7-startup-tiny StartupBenchmark -p config=tiny -p backend=openblas,cpu -f 3
step 8-startup-full StartupBenchmark -p config=full -p backend=openblas,cpu -f 2
step 10-sgemm-shapes org.sam3j.bench.SgemmBenchmark -p backend=cpu -p shape=5184x4736x1024,32x4096x1024 -wi 2 -i 5
EXTRA=-Dsam3j.cpu.vector=false step 11-sgemm-novector org.sam3j.bench.SgemmBenchmark -p backend=cpu -p shape=5184x4736x1024,32x4096x1024 -wi 2 -i 5
step 9-sgemm-closing org.sam3j.bench.SgemmBenchmark -p backend=openblas,cpu -wi 2 -i 5
echo "end $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
