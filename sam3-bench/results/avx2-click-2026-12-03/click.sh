#!/bin/bash
# alternated forks: before (c3e7bb8 library) / after (6da0bdd), PromptBenchmark.click, full, openblas and cpu; SGEMM first and last
export SAM3_SHARED=/work/shared
cd /tmp
java -jar /tmp/final.jar SgemmBenchmark.sgemm -f 1 -wi 2 -i 4 -rf json -rff /tmp/res2/sgemm-start.json > /tmp/res2/sgemm-start.log 2>&1
for r in 1 2; do
  for b in openblas cpu; do
    for s in before after; do
      jar=/tmp/base.jar; [ $s = after ] && jar=/tmp/final.jar
      java -jar $jar PromptBenchmark.click -p config=full -p backend=$b -f 1 -wi 3 -i 12 -rf json -rff /tmp/res2/click-$b-$s-$r.json > /tmp/res2/click-$b-$s-$r.log 2>&1
    done
  done
done
java -jar /tmp/final.jar SgemmBenchmark.sgemm -f 1 -wi 2 -i 4 -rf json -rff /tmp/res2/sgemm-end.json > /tmp/res2/sgemm-end.log 2>&1
echo done
