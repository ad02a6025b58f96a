#!/bin/bash
# Session 22: thread scaling (1, 2 threads), AppCDS start-up, full-size start-up; head jar; SGEMM at start and end.
cd /work/main
while pgrep -f "clickloop.sh" >/dev/null; do sleep 5; done
B=/work/bench; J=$B/head.jar; out=$B/s22; mkdir -p $out
go() { local name=$1; shift
  echo "== $(date -u +%T) $name $* (load $(cut -d' ' -f1-3 /proc/loadavg))"
  java -cp $J org.openjdk.jmh.Main "$@" -rf json -rff $out/jmh-$name.json \
    -jvmArgsAppend "-Dsam3j.bench.stats=$out/stats.jsonl -Dsam3j.bench.step=$name" > $out/log-$name.txt 2>&1
  echo "   rc=$? $(grep -E '^[A-Z][A-Za-z]+Benchmark\.' $out/log-$name.txt | tr '\n' '|')"
}
echo "start $(date -u +%FT%TZ) load $(cat /proc/loadavg)"
go 1-sgemm 'org\.sam3j\.bench\.SgemmBenchmark\.' -p backend=openblas,cpu -p threads=1,2 -wi 2 -i 3
go 1-sgemm-native 'org\.sam3j\.bench\.NativeSgemmBenchmark\.' -wi 1 -i 3
go 2-encode-tiny 'org\.sam3j\.bench\.ImageEncoderBenchmark\.' -p config=tiny -p backend=openblas,cpu -p threads=1,2 -wi 1 -i 2
go 3-encode-full 'org\.sam3j\.bench\.ImageEncoderBenchmark\.' -p config=full -p backend=openblas -p threads=1,2 -wi 1 -i 1
mkdir -p $out/cds
echo "== $(date -u +%T) cds archive"
java -cp $J org.openjdk.jmh.Main 'org\.sam3j\.bench\.StartupBenchmark\.' -p config=tiny -p backend=openblas -f 1 \
  -jvmArgsAppend "-XX:ArchiveClassesAtExit=$out/cds/sam3.jsa" > $out/log-4-cds-archive.txt 2>&1
ls -la $out/cds/sam3.jsa
for r in 1 2 3; do
  go 5-startup-tiny-cds-$r 'org\.sam3j\.bench\.StartupBenchmark\.' -p config=tiny -p backend=openblas -f 1 -jvmArgsAppend "-XX:SharedArchiveFile=$out/cds/sam3.jsa -Xshare:on"
  go 5-startup-tiny-plain-$r 'org\.sam3j\.bench\.StartupBenchmark\.' -p config=tiny -p backend=openblas -f 1
done
go 6-startup-full 'org\.sam3j\.bench\.StartupBenchmark\.' -p config=full -p backend=openblas -f 1
go 7-sgemm-end 'org\.sam3j\.bench\.SgemmBenchmark\.' -p backend=openblas -wi 2 -i 3
go 7-sgemm-native-end 'org\.sam3j\.bench\.NativeSgemmBenchmark\.' -wi 1 -i 3
echo "end $(date -u +%FT%TZ) load $(cat /proc/loadavg)"
