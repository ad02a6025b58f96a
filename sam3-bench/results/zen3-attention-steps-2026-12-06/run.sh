#!/usr/bin/env bash
# The native attention kernel before and after this stop's steps (heads of 64: 128 keys a step, the packed keys' rows
# 16 floats longer than the step, keys transposed in 8 x 8 blocks), jars alternated, beside the backend's SGEMM at the
# start and the end (out/MODE-sgemm-{start,end}.json). Usage, from the repository root:
#   run.sh attention JAR_BEFORE JAR_AFTER [ROUNDS]
#       AttentionBenchmark on SAM 3's shapes (OpenBLAS backend, 2 threads, auto), shape by shape, ROUNDS (3) times;
#       single-shot means of 15 after 5 (out/attention-SIDE-SHAPE-ROUND.json, attention-log.txt)
#   run.sh profile JAR_BEFORE JAR_AFTER CHECKPOINT [ROUNDS]
#       per-op profiles of a full encode and text prompt, ROUNDS (2) times: StartupProfile full openblas CHECKPOINT 2 2
#       in jars built with ../click-path-2026-12-04/harness/op-profile.patch applied (diagnostics only, not
#       committed: each op's wall time, -Dtmpprof=2000 -Dtmpsort -Dtmpn=60) (out/profile-ops-SIDE-ROUND.txt,
#       profile-log.txt)
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
MODE=$1; BEFORE=$2; AFTER=$3; shift 3
export SAM3_SHARED=${SAM3_SHARED:-$(cd .. && pwd)/shared}
mkdir -p "$D/out"
LOG=$D/$MODE-log.txt
note() { echo "== $(date -u +%T) $* (load $(cut -d' ' -f1-3 /proc/loadavg))" >> "$LOG"; }
sgemm() { note sgemm "$1"; "$D/../backend_sgemm.sh" "$AFTER" "$D/out/$MODE-sgemm-$1.json"; }
case $MODE in
  attention) ROUNDS=${1:-3}; STEPS="windowed-grid global fusion cross-bias text" ;;
  profile) CK=$1; ROUNDS=${2:-2}; STEPS=encode ;;
  *) echo "run.sh: MODE is attention or profile, not $MODE" >&2; exit 2 ;;
esac
sgemm start
for r in $(seq "$ROUNDS"); do
  for step in $STEPS; do
    for side in before after; do
      jar=$AFTER; [ "$side" = before ] && jar=$BEFORE
      note "round $r $side $step"
      if [ "$MODE" = attention ]; then
        java -jar "$jar" org.sam3j.bench.AttentionBenchmark -p backend=openblas -p shape="$step" -wi 5 -i 15 -f 1 \
            -rf json -rff "$D/out/attention-$side-$step-$r.json" > /dev/null 2>&1
      else
        java --add-modules jdk.incubator.vector -Xmx16g -Dtmpprof=2000 -Dtmpsort -Dtmpn=60 -cp "$jar" \
            org.sam3j.bench.StartupProfile full openblas "$CK" 2 2 > "$D/out/profile-ops-$side-$r.txt" 2>&1
      fi
      echo "   rc=$?" >> "$LOG"
    done
  done
done
sgemm end
