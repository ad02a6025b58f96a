#!/usr/bin/env bash
# Builds the JNI glue of the CUDA backend's bindings and puts it, with libsam3cuda.so, where JavaCPP's
# Loader looks for them; run by sam3-native/cuda's build (artifact sam3-cuda; process-classes phase, profile
# cuda: -Pcuda, or automatic where an NVIDIA driver is loaded).
#
#   jni.sh JAVA_HOME CLASSES_DIR CLASSPATH
#
# JavaCPP's Builder reads the annotations of org.sam3j.backend.cuda.CudaKernels (compiled in
# CLASSES_DIR), generates jniCudaKernels.cpp and compiles it with g++ against include/sam3cuda.h,
# linked to target/native/lib/libsam3cuda.so. The glue calls only s3c_* functions and links no CUDA
# runtime: libsam3cuda.so NEEDs the shared libcudart.so.13, the same soname JavaCPP's cuda preset
# (libjnicudart.so) NEEDs, so the process loads one CUDA runtime (checked below and by
# test/check_runtime.sh; see README, "One CUDA runtime"). Both libraries land in
# CLASSES_DIR/org/sam3j/backend/cuda/linux-x86_64/ and so in the sam3-cuda jar. When libsam3cuda.so
# was not built (no nvcc; see build.sh) this prints a warning and does nothing: the Java code still
# compiles and the CUDA backend reports itself unavailable at run time.
set -euo pipefail
java_home=$1
classes=$2
classpath=$3
here=$(cd "$(dirname "$0")" && pwd)
lib=$here/target/native/lib/libsam3cuda.so
dest=$classes/org/sam3j/backend/cuda/linux-x86_64
jni=$dest/libjniCudaKernels.so
binding=$classes/org/sam3j/backend/cuda/CudaKernels.class

if [ ! -f "$lib" ]; then
  reason=$(cat "$here/target/native/SKIPPED" 2>/dev/null || echo "native/ not built")
  echo "[WARNING] sam3j cuda: no libsam3cuda.so ($reason) -- the CUDA backend's JNI library is NOT built" >&2
  rm -f "$jni" "$dest/libsam3cuda.so"
  exit 0
fi
if [ ! -f "$binding" ]; then
  echo "[ERROR] sam3j cuda: $binding not compiled" >&2
  exit 1
fi
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "[WARNING] sam3j cuda: the CUDA backend is built for linux-x86_64 only, not $(uname -s)-$(uname -m)" >&2
  exit 0
fi
mkdir -p "$dest"
if [ -f "$jni" ] && [ "$jni" -nt "$lib" ] && [ "$jni" -nt "$binding" ] && [ "$jni" -nt "$here/include/sam3cuda.h" ]; then
  cp -p "$lib" "$dest/libsam3cuda.so"
  echo "sam3j cuda: JNI library up to date ($jni)"
  exit 0
fi
echo "sam3j cuda: building the JNI library with JavaCPP's Builder"
log="$here/target/native/jni-build.log"
mkdir -p "$(dirname "$log")"
if ! "$java_home/bin/java" -cp "$classpath" org.bytedeco.javacpp.tools.Builder \
  -d "$dest" \
  -Dplatform.includepath="$here/include" \
  -Dplatform.linkpath="$here/target/native/lib" \
  org.sam3j.backend.cuda.CudaKernels > "$log" 2>&1; then
  cat "$log" >&2
  echo "[ERROR] sam3j cuda: JavaCPP's Builder failed (log above, also in $log)" >&2
  exit 1
fi
# one CUDA runtime: the glue must not carry one of its own, and reaches cudart only through libsam3cuda.so
if command -v readelf >/dev/null && command -v nm >/dev/null; then
  readelf -d "$jni" | grep -q '(NEEDED).*\[libsam3cuda.so\]' \
    || { echo "[ERROR] sam3j cuda: $jni does not NEED libsam3cuda.so" >&2; exit 1; }
  own=$(nm "$jni" 2>/dev/null | awk '$2 ~ /^[TtWw]$/ && $3 ~ /^cuda[A-Z]/ {print $3}' | head -3)
  if [ -n "$own" ]; then
    echo "[ERROR] sam3j cuda: $jni defines CUDA runtime functions ($own): a second runtime" >&2
    exit 1
  fi
fi
cp -p "$lib" "$dest/libsam3cuda.so"
