#!/usr/bin/env bash
# Before (commit 1420b02: weight preparation logged, arrays allocated one after another) against after (4c0751f: the
# workers allocate and fill the arrays at once), same machine, same run, each step on both jars in turn.
# Usage, from the repository root: run.sh BEFORE_JAR AFTER_JAR (each built with ./mvnw -B -q package -DskipTests -pl
# sam3-bench -am at its commit) CHECKPOINT_DIR (StartupProfile writes sam3-full.safetensors there on first use).
# Writes before/, after/, first-touch.txt and run-log.txt next to this script.
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
declare -A JAR=([before]=$1 [after]=$2)
CK=$3
export SAM3_SHARED=${SAM3_SHARED:-$(cd .. && pwd)/shared}
mkdir -p "$D/before" "$D/after"
LOG=$D/run-log.txt
echo "start $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
[ -f "$CK/sam3-full.safetensors" ] || java -cp "$1" org.sam3j.bench.StartupProfile full cpu "$CK/sam3-full.safetensors"
# The machine's cost of touching new memory: a JVM that pre-touches an 8 GiB heap, twice (the second may reuse pages
# the first touched), wall and kernel seconds.
for r in 1 2; do
  /usr/bin/time -f "pretouch 8 GiB, run $r: %e s wall, %S s kernel" java -Xms8g -Xmx8g -XX:+AlwaysPreTouch -version \
      2>&1 | grep pretouch >> "$D/first-touch.txt"
done
step() { # name, JMH arguments
  local name=$1; shift
  for side in before after; do
    echo "== $(date -u +%T) $side $name: $* (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"
    local out
    out=$(java -jar "${JAR[$side]}" "$@" -rf json -rff "$D/$side/jmh-$name.json" \
        -jvmArgsAppend "-Xmx16g -Dsam3j.bench.stats=$D/$side/stats.jsonl -Dsam3j.bench.step=$name" 2>&1)
    echo "   rc=$? $(echo "$out" | grep -E '^(Benchmark|[A-Za-z]+Benchmark\.)' | tr '\n' '|')" >> "$LOG"
  done
}
profile() { # pair number: StartupProfile full cpu, two rounds, weight preparation logged
  for side in before after; do
    echo "== $(date -u +%T) $side profile $1 (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"
    java --add-modules jdk.incubator.vector -Xmx16g -Dorg.slf4j.simpleLogger.log.org.sam3j.backend.cpu.CpuBackend=debug \
        -cp "${JAR[$side]}" org.sam3j.bench.StartupProfile full cpu "$CK/sam3-full.safetensors" 2 \
        > "$D/$side/profile-full-cpu-$1.txt" 2>&1
    echo "   rc=$?" >> "$LOG"
  done
}
step 1-sgemm org.sam3j.bench.SgemmBenchmark -p backend=openblas,cpu -wi 2 -i 5
profile 1
profile 2
profile 3
step 2-startup-full StartupBenchmark -p config=full -p backend=cpu -f 2
step 3-sgemm-closing org.sam3j.bench.SgemmBenchmark -p backend=openblas,cpu -wi 2 -i 5
echo "end $(date -u +%FT%TZ) load $(cat /proc/loadavg)" >> "$LOG"
