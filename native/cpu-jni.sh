#!/usr/bin/env bash
# Builds the JNI library of the OpenBLAS backend's native kernels (src/cpu_attention.h, src/cpu_bf16_gemm.h,
# src/cpu_bf16_attention.h, src/cpu_sgemm.h; header-only) and puts it where JavaCPP's Loader looks for it; run by
# sam3-native/openblas's build (process-classes).
#
#   cpu-jni.sh JAVA_HOME CLASSES_DIR CLASSPATH
#
# JavaCPP's Builder reads the annotations of org.sam3j.backend.openblas.CpuKernels (compiled in CLASSES_DIR),
# generates jniCpuKernels.cpp and compiles it with g++ against src/ into
# CLASSES_DIR/org/sam3j/backend/openblas/linux-x86_64/libjniCpuKernels.so, and so into the sam3-openblas jar.
# The kernels' functions carry their own targets (AVX2 and FMA; AMX and AVX512-BF16), so the library loads on any
# x86-64 CPU and reports whether this one runs each kernel. Without g++ (or with SAM3_SKIP_NATIVE=1, or on another platform) this
# prints a warning and does nothing: the backend then computes attention in Java and OpenBLAS, as it says
# (NativeAttention.unavailableReason()).
set -euo pipefail
java_home=$1
classes=$2
classpath=$3
here=$(cd "$(dirname "$0")" && pwd)
dest=$classes/org/sam3j/backend/openblas/linux-x86_64
jni=$dest/libjniCpuKernels.so
binding=$classes/org/sam3j/backend/openblas/CpuKernels.class

skip() {
  echo "[WARNING] sam3j openblas: $1 -- the native attention kernel is NOT built; attention runs in Java and OpenBLAS" >&2
  rm -f "$jni"
  exit 0
}
[ "${SAM3_SKIP_NATIVE:-0}" = "1" ] && skip "SAM3_SKIP_NATIVE=1"
[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || skip "built for linux-x86_64 only, not $(uname -s)-$(uname -m)"
command -v "${CXX:-g++}" >/dev/null || skip "no C++ compiler (${CXX:-g++})"
if [ ! -f "$binding" ]; then
  echo "[ERROR] sam3j openblas: $binding not compiled" >&2
  exit 1
fi
if [ -f "$jni" ] && [ "$jni" -nt "$binding" ] && [ "$jni" -nt "$here/src/cpu_attention.h" ] \
  && [ "$jni" -nt "$here/src/cpu_bf16_gemm.h" ] && [ "$jni" -nt "$here/src/cpu_bf16_attention.h" ] \
  && [ "$jni" -nt "$here/src/cpu_sgemm.h" ]; then
  echo "sam3j openblas: native attention kernel up to date ($jni)"
  exit 0
fi
mkdir -p "$dest" "$here/target/native"
log="$here/target/native/cpu-jni-build.log"
echo "sam3j openblas: building the native attention kernel with JavaCPP's Builder"
if ! "$java_home/bin/java" -cp "$classpath" org.bytedeco.javacpp.tools.Builder \
  -d "$dest" \
  -Dplatform.includepath="$here/src" \
  org.sam3j.backend.openblas.CpuKernels > "$log" 2>&1; then
  cat "$log" >&2
  echo "[ERROR] sam3j openblas: JavaCPP's Builder failed (log above, also in $log)" >&2
  exit 1
fi
[ -f "$jni" ] || { cat "$log" >&2; echo "[ERROR] sam3j openblas: the Builder wrote no $jni" >&2; exit 1; }
