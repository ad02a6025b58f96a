#!/bin/sh
# Checks that a built libsam3cuda.so exports exactly the functions declared in sam3cuda.h:
# every declared s3c_ function is a defined dynamic symbol, and nothing else is exported (the
# statically linked CUDA runtime must stay private). Usage: check_symbols.sh LIB HEADER
set -eu
lib=$1
header=$2
tmp=${TMPDIR:-/tmp}/s3c-symbols.$$
trap 'rm -f "$tmp".*' EXIT
grep -oE '\bs3c_[a-z0-9_]+\(' "$header" | tr -d '(' | sort -u >"$tmp.declared"
nm -D --defined-only "$lib" | awk '$2 ~ /^[TtWw]$/ {print $3}' | sed 's/@.*//' | sort -u >"$tmp.exported"
missing=$(comm -23 "$tmp.declared" "$tmp.exported")
extra=$(comm -13 "$tmp.declared" "$tmp.exported")
if [ -n "$missing" ]; then
  echo "check_symbols: declared in $header but not exported by $lib:" >&2
  echo "$missing" >&2
  exit 1
fi
if [ -n "$extra" ]; then
  echo "check_symbols: exported by $lib but not declared in $header:" >&2
  echo "$extra" >&2
  exit 1
fi
echo "check_symbols: $(wc -l <"$tmp.declared") functions of $header exported by $lib, nothing else"
