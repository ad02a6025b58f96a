#!/bin/bash
# Session 22, second pass: thread scaling of the tiny encode again (the first pass's cpu/2-thread fork was slowed).
cd /work/main
B=/work/bench; J=$B/new.jar; out=$B/s22b; mkdir -p $out
go() { local name=$1; shift
  echo "== $(date -u +%T) $name $* (load $(cut -d' ' -f1-3 /proc/loadavg))"
  java -cp $J org.openjdk.jmh.Main "$@" -rf json -rff $out/jmh-$name.json \
    -jvmArgsAppend "-Dsam3j.bench.stats=$out/stats.jsonl -Dsam3j.bench.step=$name" > $out/log-$name.txt 2>&1
  echo "   rc=$? $(grep -E '^[A-Z][A-Za-z]+Benchmark\.' $out/log-$name.txt | tr '\n' '|')"
}
echo "start $(date -u +%FT%TZ) load $(cat /proc/loadavg)"
go 1-sgemm 'org\.sam3j\.bench\.SgemmBenchmark\.' -p backend=openblas,cpu -p threads=1,2 -wi 1 -i 3
go 2-encode-tiny 'org\.sam3j\.bench\.ImageEncoderBenchmark\.' -p config=tiny -p backend=openblas,cpu -p threads=1,2 -wi 1 -i 3
go 3-sgemm-end 'org\.sam3j\.bench\.SgemmBenchmark\.' -p backend=openblas,cpu -p threads=1,2 -wi 1 -i 3
echo "end $(date -u +%FT%TZ) load $(cat /proc/loadavg)"
