#!/usr/bin/env bash
# Makes a self-contained bundle for running sam3j's CUDA backend and its GPU tests on a machine that
# has an NVIDIA GPU and CUDA 13 but no Java (such as the device machines of this workplace).
#
# The bundle tree (native/target/gpu-bundle/sam3j/):
#     jre/               a jlink'd Java 17 runtime (only the modules sam3j needs)
#     lib/               sam3-api, sam3-cuda (with libsam3cuda.so and its JNI glue), dependencies
#     test/              the sam3-cuda test classes, sam3-api's test jar, JUnit's console launcher
#     shared/            the tiny fixtures (and the full ones with --with-full), tokenizer, images
#     env.sh             finds libcudart / libcublas / libcublasLt .so.13 and the driver, sets the paths
#     sam3               `sam3 verify --backend cuda --precision fp32|fp16|bf16|all [--fixtures DIR]`
#     run-gpu-tests.sh   all tests of org.sam3j.backend.cuda with JUnit's console launcher
# is packed (xz) into bundle/sam3j-cuda.tar.xz at the repository root (git-ignored), next to
# bundle/run.sh, which unpacks it once (into /tmp/sam3j-bundle) and runs one of its scripts. bundle/
# must stay under 64 MiB, what the device tool carries with the working tree; the script fails above.
#
# Usage (needs nvcc here, since the bundle carries the CUDA kernels):
#   native/gpu-bundle.sh [--with-full] [--no-build]
#
# On the GPU machine (device tool: run(command=..., carry=["bundle"])):
#   bash bundle/run.sh run-gpu-tests.sh --reports-dir $OUT/junit    # kernels vs references, every op vs
#                                                  # the CPU backend, verify fp32/fp16/bf16 on tiny
#   bash bundle/run.sh sam3 verify --backend cuda --precision all
#   bash bundle/run.sh sam3 verify --backend cuda --precision bf16 \
#        --fixtures /tmp/sam3j-bundle/sam3j/shared/fixtures/sam3/full     # bundle made with --with-full
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tree=$root/native/target/gpu-bundle
out=$tree/sam3j
archive_dir=$root/bundle
with_full=0
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --with-full) with_full=1; shift ;;
    --no-build) build=0; shift ;;
    *) echo "usage: gpu-bundle.sh [--with-full] [--no-build]" >&2; exit 2 ;;
  esac
done
shared=${SAM3_SHARED:-$(cd "$root/.." && pwd)/shared}
junit_console=org.junit.platform:junit-platform-console-standalone:1.11.4
modules=java.base,java.desktop,java.logging,java.management,java.naming,java.sql,java.xml,jdk.unsupported,jdk.zipfs
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cd "$root"
if [ "$build" = 1 ]; then
  echo "gpu-bundle: building native, sam3-api, sam3-cuda (profile cuda: nvcc and the JNI glue)"
  ./mvnw -B -q -Pcuda package dependency:build-classpath -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true \
    -pl native,sam3-api,sam3-native/cuda -Dmdep.outputFile="$tmp/cp.txt" -Dmdep.includeScope=test
else
  ./mvnw -B -q dependency:build-classpath -pl sam3-native/cuda -Dmdep.outputFile="$tmp/cp.txt" -Dmdep.includeScope=test
fi
native_jar=$(ls sam3-native/cuda/target/sam3-cuda-*.jar | grep -v -- '-tests\|-sources\|-javadoc' | head -1)
if ! unzip -l "$native_jar" | grep -q 'org/sam3j/backend/cuda/linux-x86_64/libsam3cuda.so'; then
  echo "gpu-bundle: $native_jar has no libsam3cuda.so (was nvcc missing? see native/target/native/SKIPPED)" >&2
  exit 1
fi

rm -rf "$out"
mkdir -p "$out/lib" "$out/test" "$out/shared/fixtures/sam3"
cp "$native_jar" "$out/lib/"
cp sam3-api/target/sam3-api-*[0-9T].jar "$out/lib/" 2>/dev/null || cp sam3-api/target/sam3-api-0.1.0-SNAPSHOT.jar "$out/lib/"
tr ':' '\n' <"$tmp/cp.txt" | while read -r jar; do
  [ -f "$jar" ] || continue
  case "$(basename "$jar")" in
    sam3-api-*-tests.jar) cp "$jar" "$out/test/" ;;
    junit-*|opentest4j-*|apiguardian-*) ;;  # in JUnit's console launcher
    sam3-api-*) ;;  # the freshly built one is already in lib/
    *) cp "$jar" "$out/lib/" ;;
  esac
done
cp -r sam3-native/cuda/target/test-classes "$out/test/classes"
./mvnw -B -q dependency:copy -Dartifact="$junit_console" -DoutputDirectory="$out/test" >/dev/null

echo "gpu-bundle: jlink ($modules)"
jlink=${JAVA_HOME:+$JAVA_HOME/bin/}jlink
# uncompressed: the xz archive compresses class files far better than jlink's zip does
"$jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=0 --output "$out/jre"
command -v strip >/dev/null && strip --strip-unneeded "$out/jre/lib/server/libjvm.so"

cp -r "$shared/fixtures/sam3/tiny" "$out/shared/fixtures/sam3/"
[ "$with_full" = 1 ] && cp -r "$shared/fixtures/sam3/full" "$out/shared/fixtures/sam3/"
cp -r "$shared/tokenizer" "$shared/images" "$out/shared/"

cat >"$out/env.sh" <<'EOF'
# Sourced by the bundle's scripts: Java from the bundle, CUDA 13 libraries on LD_LIBRARY_PATH.
B=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export SAM3_SHARED=$B/shared
JAVA=$B/jre/bin/java
CP=$(ls "$B"/lib/*.jar | tr '\n' ':')
# the JavaCPP cuda preset needs libcudart.so.13, libcublas.so.13, libcublasLt.so.13 (and the driver's libcuda.so.1)
extra=""
for lib in libcudart.so.13 libcublasLt.so.13 libcublas.so.13 libcuda.so.1; do
  if ! ldconfig -p 2>/dev/null | grep -q "$lib"; then
    for d in ${LD_LIBRARY_PATH:+${LD_LIBRARY_PATH//:/ }} /usr/local/cuda/lib64 /usr/local/cuda-13*/lib64 /usr/local/cuda/targets/x86_64-linux/lib \
             /usr/local/nvidia/lib64 /usr/lib/x86_64-linux-gnu; do
      [ -e "$d/$lib" ] && { extra="$extra:$d"; continue 2; }
    done
    f=$(find /usr /opt -name "$lib" -not -path '*/stubs/*' 2>/dev/null | head -1)
    if [ -n "$f" ]; then extra="$extra:$(dirname "$f")"; else echo "env.sh: $lib not found" >&2; fi
  fi
done
export LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}$extra
EOF

cat >"$out/sam3" <<'EOF'
#!/usr/bin/env bash
# sam3 verify on the CUDA backend: sam3 verify --backend cuda [--precision fp32|fp16|bf16|all]
#   [--device N] [--only PREFIX,...] [--fixtures DIR (default: the bundle's tiny fixtures)]
set -euo pipefail
. "$(dirname "$0")/env.sh"
if [ "${1:-}" != "verify" ]; then
  echo "usage: sam3 verify --backend cuda [--precision fp32|fp16|bf16|all] [--fixtures DIR] [--only PREFIX,...]" >&2
  exit 2
fi
shift
case " $* " in *" --fixtures "*) ;; *) set -- "$@" --fixtures "$SAM3_SHARED/fixtures/sam3/tiny" ;; esac
exec "$JAVA" -Xmx16g -cp "$CP" org.sam3j.backend.cuda.CudaVerify "$@"
EOF

cat >"$out/run-gpu-tests.sh" <<'EOF'
#!/usr/bin/env bash
# Every test of org.sam3j.backend.cuda (GPU tests and the host-side ones); extra arguments go to
# JUnit's console launcher (e.g. --reports-dir DIR, --select-class org.sam3j.backend.cuda.VerifyGpuTest
# instead of the package).
set -euo pipefail
. "$(dirname "$0")/env.sh"
select=(--select-package org.sam3j.backend.cuda)
case " $* " in *" --select"*) select=() ;; esac
TCP=$CP$(ls "$B"/test/*.jar | grep -v console-standalone | tr '\n' ':')$B/test/classes
exec "$JAVA" -Xmx16g -jar "$B"/test/junit-platform-console-standalone-*.jar execute --disable-banner \
  --details=tree --class-path "$TCP" "${select[@]}" "$@"
EOF
chmod +x "$out/sam3" "$out/run-gpu-tests.sh"

cat >"$out/README.txt" <<EOF
sam3j CUDA bundle, made $(date -u +%Y-%m-%dT%H:%MZ) from commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')
(working tree $(git -C "$root" status --porcelain 2>/dev/null | grep -q . && echo "with uncommitted changes" || echo "clean")).
  ./run-gpu-tests.sh                 GPU tests (skip with the reason where no GPU is usable)
  ./sam3 verify --backend cuda --precision all
Needs: x86-64 Linux, an NVIDIA driver for CUDA 13, a GPU of compute capability >= 8.0, and the CUDA 13
runtime and cuBLAS (libcudart.so.13, libcublas.so.13, libcublasLt.so.13) somewhere under /usr or /opt.
EOF

echo "gpu-bundle: tree $out is $(du -sm "$out" | cut -f1) MiB; packing"
rm -rf "$archive_dir"
mkdir -p "$archive_dir"
tar -C "$tree" -cf - sam3j | xz -T1 -6 >"$archive_dir/sam3j-cuda.tar.xz"
cat >"$archive_dir/run.sh" <<'EOF'
#!/usr/bin/env bash
# bash bundle/run.sh SCRIPT [ARGS...]: unpacks sam3j-cuda.tar.xz (once per archive) into
# ${SAM3J_BUNDLE_DIR:-/tmp/sam3j-bundle} and runs SCRIPT (sam3, run-gpu-tests.sh) from it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest=${SAM3J_BUNDLE_DIR:-/tmp/sam3j-bundle}
if [ ! -f "$dest/.unpacked" ] || [ "$here/sam3j-cuda.tar.xz" -nt "$dest/.unpacked" ]; then
  rm -rf "$dest"
  mkdir -p "$dest"
  tar -C "$dest" -xJf "$here/sam3j-cuda.tar.xz"
  touch "$dest/.unpacked"
fi
script=${1:?usage: run.sh sam3|run-gpu-tests.sh [ARGS...]}
shift
exec bash "$dest/sam3j/$script" "$@"
EOF
size=$(du -sm "$archive_dir" | cut -f1)
echo "gpu-bundle: $archive_dir is ${size} MiB"
if [ "$size" -ge 62 ]; then
  echo "gpu-bundle: over what the device tool carries (64 MiB with the working tree)" >&2
  exit 1
fi
