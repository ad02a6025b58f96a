#!/bin/sh
# Checks that a built libsam3cuda.so uses the shared CUDA runtime (libcudart.so.13), the one JavaCPP's
# cuda preset loads, and carries no runtime of its own: two runtimes in one process would mean two
# contexts per device and two allocators, and device pointers or streams passed between them (cudaMalloc
# through the preset, kernels through this library) might not be valid on the other side.
#   - the dynamic section NEEDs libcudart.so.13
#   - the runtime functions it calls (cudaGetDeviceCount, __cudaRegisterFatBinary) are undefined dynamic
#     symbols bound to libcudart.so.13
#   - no runtime function (cuda*, __cudaRegisterFatBinary, ...) is defined inside it (nm of the full symbol table, when not stripped)
#   - ldd resolves libcudart.so.13 (a warning only where it does not: the library path is the host's)
# Usage: check_runtime.sh LIB
set -eu
lib=$1
soname=libcudart.so.13
fail() {
  echo "check_runtime: $lib: $1" >&2
  exit 1
}
command -v readelf >/dev/null || { echo "[WARNING] check_runtime: readelf not found, not checked" >&2; exit 0; }
readelf -d "$lib" | grep -q "(NEEDED).*\[$soname\]" \
  || fail "does not NEED $soname: the CUDA runtime is linked statically (or not at all); link with -cudart shared"
for f in cudaGetDeviceCount __cudaRegisterFatBinary; do
  nm -D --undefined-only "$lib" | grep -Eq "^ *U $f(@$soname)?\$" \
    || fail "$f is not an undefined dynamic symbol: a CUDA runtime is inside the library"
done
# (nvcc's per-object host stubs such as __cudaUnregisterBinaryUtil are not the runtime)
defined=$(nm "$lib" 2>/dev/null | awk '$2 ~ /^[TtWw]$/ && ($3 ~ /^cuda[A-Z]/ || $3 ~ /^__cuda(RegisterFatBinary|RegisterFunction|LaunchKernel|PushCallConfiguration|PopCallConfiguration)$/) {print $3}' | head -5)
[ -z "$defined" ] || fail "defines CUDA runtime functions (static cudart): $defined"
if command -v ldd >/dev/null; then
  where=$(ldd "$lib" 2>/dev/null | awk -v s="$soname" '$1 == s {print $3}')
  if [ -z "$where" ] || [ "$where" = "not" ]; then
    echo "[WARNING] check_runtime: $soname not found by the dynamic linker here (put its folder on LD_LIBRARY_PATH)" >&2
  else
    echo "check_runtime: $lib uses the shared CUDA runtime $where, none of its own"
    exit 0
  fi
fi
echo "check_runtime: $lib uses the shared CUDA runtime ($soname), none of its own"
