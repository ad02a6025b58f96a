#!/bin/bash
# Before / after, text prompts on one image (TextJfr, 7 prompts a process; the first is the process's first and is
# left out of the comparison): cpu alternated twice, then openblas once. The jars and the checkpoint are this VM's paths.
for round in 1 2; do
  for v in before head; do
    echo "== cpu $v round $round $(date -u +%H:%M:%S)"
    SAM3_SHARED=/work/shared java --add-modules jdk.incubator.vector -Xmx16g -cp /tmp/tj:/tmp/tj/$v.jar org.sam3j.bench.TextJfr /tmp/ck/full.safetensors cpu 7 2>&1 | grep "^prompt" | cut -d' ' -f1,2,5-
  done
done
for v in before head; do
  echo "== openblas $v $(date -u +%H:%M:%S)"
  SAM3_SHARED=/work/shared java --add-modules jdk.incubator.vector -Xmx16g -cp /tmp/tj:/tmp/tj/$v.jar org.sam3j.bench.TextJfr /tmp/ck/full.safetensors openblas 7 2>&1 | grep "^prompt" | cut -d' ' -f1,2,5-
done
