#!/usr/bin/env bash
# Builds and checks the native code of sam3j; run by the Maven build of native/ (native/pom.xml),
# also usable by hand from any directory:
#
#   native/build.sh compile   libsam3cuda.so with nvcc into native/target/native/lib, or, without nvcc,
#                             a warning and native/target/native/SKIPPED (the build goes on; the CUDA
#                             backend then reports itself unavailable)
#   native/build.sh test      the host-side C++ tests (g++ only, run even without nvcc) and, when the
#                             library was built, the checks of its exported symbols and that it uses the
#                             shared CUDA runtime libcudart.so.13 (test/check_runtime.sh)
#
# Environment: NVCC (compiler, default: nvcc on the PATH, else $CUDA_HOME/bin/nvcc, else
# /usr/local/cuda/bin/nvcc), S3C_ARCHS (default "80 90"), S3C_PTX (default 90), S3C_JOBS (parallel
# compilations, default 1: the development machines are shared), SAM3_SKIP_NATIVE=1 to skip on purpose.
set -euo pipefail
cd "$(dirname "$0")"
build=target/native
mkdir -p "$build"

find_nvcc() {
  if [ -n "${NVCC:-}" ]; then command -v "$NVCC" && return 0; return 1; fi
  command -v nvcc && return 0
  for c in "${CUDA_HOME:-}/bin/nvcc" "${CUDA_PATH:-}/bin/nvcc" /usr/local/cuda/bin/nvcc; do
    [ -x "$c" ] && { echo "$c"; return 0; }
  done
  return 1
}

skip() {
  echo "[WARNING] sam3j native: $1 -- the CUDA kernels are NOT built; the CUDA backend will report itself unavailable." >&2
  echo "$1" >"$build/SKIPPED"
  rm -rf "$build/lib"   # no stale library from an earlier build with nvcc
  exit 0
}

case "${1:-compile}" in
  compile)
    [ "${SAM3_SKIP_NATIVE:-0}" = "1" ] && skip "SAM3_SKIP_NATIVE=1"
    nvcc_bin=$(find_nvcc) || skip "nvcc not found (set NVCC or CUDA_HOME, or put nvcc on the PATH)"
    command -v make >/dev/null || skip "make not found"
    rm -f "$build/SKIPPED"
    echo "sam3j native: building libsam3cuda.so with $nvcc_bin ($("$nvcc_bin" --version | tail -1))"
    make -j"${S3C_JOBS:-1}" NVCC="$nvcc_bin" ARCHS="${S3C_ARCHS:-80 90}" PTX="${S3C_PTX:-90}" BUILD="$build" lib
    ;;
  test)
    if command -v "${CXX:-g++}" >/dev/null; then
      make BUILD="$build" CXX="${CXX:-g++}" host-tests
    else
      echo "[WARNING] sam3j native: no C++ compiler, host tests not run" >&2
    fi
    if [ -f "$build/lib/libsam3cuda.so" ]; then
      if command -v nm >/dev/null; then
        sh test/check_symbols.sh "$build/lib/libsam3cuda.so" include/sam3cuda.h
        # one CUDA runtime in the process: the shared libcudart.so.13 that JavaCPP's cuda preset loads too
        sh test/check_runtime.sh "$build/lib/libsam3cuda.so"
      else
        echo "[WARNING] sam3j native: nm not found, exported symbols and CUDA runtime linkage not checked" >&2
      fi
    fi
    ;;
  *)
    echo "usage: build.sh compile|test" >&2
    exit 2
    ;;
esac
