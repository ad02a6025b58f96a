#!/usr/bin/env bash
# One task of the windowed kernel on one thread (harness/AttT.java: 576 queries of a window, 48, 96 and 576 keys), before
# and after, fresh processes alternated, without the VM's OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE. Usage, from the
# repository root:   tasks.sh JAR_BEFORE JAR_AFTER [PAIRS]
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
BEFORE=$1; AFTER=$2; PAIRS=${3:-3}
mkdir -p "$D/out"
H=$(mktemp -d)
for side in before after; do
  jar=$BEFORE; [ "$side" = after ] && jar=$AFTER
  mkdir -p "$H/$side" && javac --add-modules jdk.incubator.vector -nowarn -d "$H/$side" -cp "$jar" "$D/harness/AttT.java"
done
for i in $(seq 1 "$PAIRS"); do
  for side in before after; do
    jar=$BEFORE; [ "$side" = after ] && jar=$AFTER
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE java --add-modules jdk.incubator.vector -cp "$H/$side:$jar" \
        org.sam3j.backend.cpu.AttT > "$D/out/task-$side-$i.txt" 2>&1
  done
done
rm -rf "$H"
