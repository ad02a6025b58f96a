#!/usr/bin/env bash
# Per-op profiles of a full encode and text prompt before and after this stop's attention steps, alternated ROUNDS
# times: StartupProfile full openblas CHECKPOINT 2 2 in jars built with ../click-path-2026-12-04/harness/op-profile.patch
# applied (diagnostics only, not committed: each op's wall time, -Dtmpprof=2000 -Dtmpsort -Dtmpn=60), beside the
# backend's SGEMM at the start and the end. Usage, from the repository root:
# profile.sh JAR_BEFORE JAR_AFTER CHECKPOINT [ROUNDS]
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
BEFORE=$1; AFTER=$2; CK=$3; ROUNDS=${4:-2}
export SAM3_SHARED=${SAM3_SHARED:-$(cd .. && pwd)/shared}
mkdir -p "$D/out"
LOG=$D/profile-log.txt
note() { echo "== $(date -u +%T) $* (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"; }
sgemm() {
  note sgemm "$1"
  java -jar "$AFTER" org.sam3j.bench.SgemmBenchmark -p backend=openblas -wi 2 -i 5 -f 1 -rf json \
      -rff "$D/out/profile-sgemm-$1.json" -jvmArgsAppend -Xmx8g > /dev/null 2>&1
}
sgemm start
for r in $(seq "$ROUNDS"); do
  for side in before after; do
    jar=$AFTER; [ "$side" = before ] && jar=$BEFORE
    note "round $r $side"
    java --add-modules jdk.incubator.vector -Xmx16g -Dtmpprof=2000 -Dtmpsort -Dtmpn=60 -cp "$jar" \
        org.sam3j.bench.StartupProfile full openblas "$CK" 2 2 > "$D/out/profile-ops-$side-$r.txt" 2>&1
    echo "   rc=$?" >> "$LOG"
  done
done
sgemm end
