#!/usr/bin/env bash
# Issue 13: the cpu backend's packed-weight cache. Alternates fresh processes without a cache directory ("nocache")
# and with a warm one ("cached"), PAIRS times: StartupProfile full cpu, 2 rounds (round 0 = the fresh process's first
# mask, round 1 = the same process's steady state). One process fills the cache first ("fill"). SGEMM first and last.
# Usage: run.sh JAR CHECKPOINT CACHE_DIR OUT_DIR [PAIRS] [CONFIG: full (default) or tiny, the checkpoint's]
set -u
JAR=$1; CKPT=$2; CACHE=$3; OUT=$4; PAIRS=${5:-3}; CONFIG=${6:-full}
export SAM3_SHARED=${SAM3_SHARED:-/work/shared}
SLF4J=${SLF4J:-$HOME/.m2/repository/org/slf4j/slf4j-simple/2.0.16/slf4j-simple-2.0.16.jar}
mkdir -p "$OUT"
log() { echo "$(date -u +%H:%M:%S) $* (load $(cut -d' ' -f1 /proc/loadavg))" >> "$OUT/run-log.txt"; }
jmh() { local name=$1; shift; log "$name"; java -jar "$JAR" "$@" -rf json -rff "$OUT/$name.json" > "$OUT/$name.log" 2>&1; }
profile() { local name=$1; shift; log "$name"
  java --add-modules jdk.incubator.vector "$@" -Dorg.slf4j.simpleLogger.log.org.sam3j.backend.cpu.CpuBackend=debug \
    -Xmx16g -cp "$JAR:$SLF4J" org.sam3j.bench.StartupProfile "$CONFIG" cpu "$CKPT" 2 > "$OUT/$name.txt" 2>&1; }
jmh sgemm-start SgemmBenchmark.sgemm -f 1 -wi 2 -i 4
rm -rf "$CACHE"
profile fill -Dsam3j.bench.cacheDirectory="$CACHE"
for i in $(seq 1 "$PAIRS"); do
  profile "nocache-$i"
  profile "cached-$i" -Dsam3j.bench.cacheDirectory="$CACHE"
done
du -sb "$CACHE" > "$OUT/cache-size.txt"
jmh sgemm-end SgemmBenchmark.sgemm -f 1 -wi 2 -i 4
log done
