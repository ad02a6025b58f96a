#!/usr/bin/env bash
# The Vector API attention kernel against the auto-vectorised one (-Dsam3j.cpu.vector=false), same build, same
# machine, one step after the other, with the SGEMM rates before and after. Run from the repository root after
# ./mvnw -B -q package -DskipTests.
set -euo pipefail
R=sam3-bench/results/attention-vector-2026-12-02
J=sam3-bench/target/sam3-bench.jar
S=$PWD/$R/stats.jsonl
CP=sam3-api/target/classes:sam3-api/target/test-classes:sam3-native/openblas/target/classes:sam3-native/openblas/target/test-classes:$J
step() { echo "== $1 $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"; }
step 1-sgemm; java -jar $J SgemmBenchmark -wi 2 -i 3 -rf json -rff $R/jmh-1-sgemm.json -jvmArgsAppend "-Xmx8g -Dsam3j.bench.stats=$S -Dsam3j.bench.step=1-sgemm"
for v in true false; do
  step 2-encode-full-vector-$v
  java -jar $J ImageEncoderBenchmark -p config=full -p backend=openblas -wi 1 -i 2 -rf json -rff $R/jmh-2-encode-full-vector-$v.json \
    -jvmArgsAppend "-Xmx16g -Dsam3j.cpu.vector=$v -Dsam3j.bench.stats=$S -Dsam3j.bench.step=2-encode-full-vector-$v"
done
for v in true false; do
  step 3-encode-tiny-vector-$v
  java -jar $J ImageEncoderBenchmark -p config=tiny -p backend=openblas,cpu -wi 1 -i 3 -rf json -rff $R/jmh-3-encode-tiny-vector-$v.json \
    -jvmArgsAppend "-Xmx16g -Dsam3j.cpu.vector=$v -Dsam3j.bench.stats=$S -Dsam3j.bench.step=3-encode-tiny-vector-$v"
done
for v in true false; do
  step 4-attention-rate-vector-$v
  java --add-modules jdk.incubator.vector -Dsam3j.cpu.vector=$v -Xmx8g -cp $CP org.sam3j.backend.cpu.AttentionRateBench -r 3
done
step 5-sgemm; java -jar $J SgemmBenchmark -wi 2 -i 3 -rf json -rff $R/jmh-5-sgemm.json -jvmArgsAppend "-Xmx8g -Dsam3j.bench.stats=$S -Dsam3j.bench.step=5-sgemm"
step done
