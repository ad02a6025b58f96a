#!/usr/bin/env bash
# The native attention kernel alone (kernel/bench.cpp, one thread) before and after this stop's steps, alternated
# ROUNDS times per shape: the image encoder's window (576 x 576 tokens, 16 heads of 64), a quarter of a global block's
# queries (1296 of 5184 against 5184 keys, 4 heads of 64) and of the fusion encoder's self-attention (heads of 32),
# beside a one-thread SGEMM (numpy/OpenBLAS, 2048^2 x 1024) at the start and the end. Prints each variant's best and
# mean rate. Usage, from the repository root: kernel.sh PYTHON REV_BEFORE REV_AFTER [ROUNDS]
set -uo pipefail
D=$(cd "$(dirname "$0")" && pwd)
PY=$1; BEFORE=$2; AFTER=$3; ROUNDS=${4:-6}
W=$(mktemp -d)
for side in before after; do
  rev=$BEFORE; [ "$side" = after ] && rev=$AFTER
  git show "$rev:native/src/cpu_attention.h" > "$W/$side.h" || exit 1
  g++ -O3 -std=c++17 -DHDR="\"$W/$side.h\"" "$D/kernel/bench.cpp" -o "$W/$side" || exit 1
done
sgemm() {
  OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 "$PY" -c "
import numpy as np, time
a = np.random.rand(2048, 1024).astype(np.float32); b = np.random.rand(1024, 2048).astype(np.float32)
best = min((lambda t: (a @ b, time.perf_counter() - t)[1])(time.perf_counter()) for _ in range(10))
print('sgemm one thread %.1f GFLOP/s' % (2 * 2048 * 2048 * 1024 / best / 1e9))"
}
echo "start $(date -u +%FT%TZ) $BEFORE -> $AFTER, $ROUNDS rounds"
sgemm
for shape in "576 576 16 10 64" "1296 5184 4 3 64" "1296 5184 4 3 32"; do
  for r in $(seq "$ROUNDS"); do
    for side in before after; do echo "$side $("$W/$side" $shape)"; done
  done
done | tee "$W/raw"
awk '{key=$1" "$2" "$3" "$5; g=$(NF-3); if(!(key in b)||g>b[key])b[key]=g; s[key]+=g; c[key]++}
     END{for(k in b) printf "%-40s best %.1f mean %.1f GFLOP/s\n", k, b[k], s[k]/c[k]}' "$W/raw" | sort -k2,4 -k1,1r
sgemm
echo "end $(date -u +%FT%TZ)"
rm -rf "$W"
