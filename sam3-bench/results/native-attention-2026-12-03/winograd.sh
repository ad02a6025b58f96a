#!/bin/bash
# Winograd F(2x2, 3x3) for the 3x3 convolutions: the same jar (JAR) with -Dsam3j.cpu.winograd=false (nine per-tap
# products, as before) and with the default, alternated fork by fork: full-size text prompts on both CPU backends,
# then full-size encodes on openblas. SGEMM first and last. Usage: winograd.sh JAR OUT_DIR
set -u
jar=$1; out=$2
export SAM3_SHARED=${SAM3_SHARED:-/work/shared}
mkdir -p "$out"; cd "$out"
log() { echo "$(date -u +%H:%M:%S) $* (load $(cut -d' ' -f1 /proc/loadavg))" >> run-log.txt; }
jmh() { local name=$1; shift; log "$name"; java -jar "$jar" "$@" -rf json -rff "$name.json" > "$name.log" 2>&1; }
jmh w-sgemm-start SgemmBenchmark.sgemm -f 1 -wi 2 -i 4
for r in 1 2; do
  for b in openblas cpu; do
    for wg in false true; do
      jmh w-text-$b-winograd-$wg-$r PromptBenchmark.textPrompt -p config=full -p backend=$b -f 1 -wi 2 -i 5 \
        -jvmArgsAppend -Dsam3j.cpu.winograd=$wg
    done
  done
done
for wg in false true; do
  jmh w-encode-openblas-winograd-$wg ImageEncoderBenchmark.encode -p config=full -p backend=openblas -f 1 -wi 1 -i 2 \
    -jvmArgsAppend -Dsam3j.cpu.winograd=$wg
done
jmh w-sgemm-end SgemmBenchmark.sgemm -f 1 -wi 2 -i 4
log done
