#!/usr/bin/env bash
# run.sh SECONDS: build the libFuzzer target with clang (ASan + UBSan),
# seed it from the case tables and run it; PASS when no crash was found.
set -u
secs=${1:-60}
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp -d "${TMPDIR:-/tmp}/mmap-fuzz.XXXXXX")
cc=${CLANG:-clang}
command -v "$cc" >/dev/null || { echo "FAIL fuzz: clang not installed"; exit 1; }
"$cc" -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -DPACKAGE_VERSION='"fuzz"' -I"$top/core" -I"$top" $(pkg-config --cflags libfastjson) \
  $(find "$top/core" -name "*.c" | sort) "$top/tests/fuzz/fuzz_parse.c" -o "$out/fuzz_parse" \
  $(pkg-config --libs libfastjson) -lmaxminddb -lm -lpthread > "$out/build.log" 2>&1 \
  || { echo "FAIL fuzz: build"; tail -20 "$out/build.log"; exit 1; }
sh "$top/tests/fuzz/mkcorpus.sh" "$top/tests/cases" "$out/corpus"
mkdir -p "$out/crashes"
"$out/fuzz_parse" -max_total_time="$secs" -max_len=4096 -timeout=5 -rss_limit_mb=2048 \
  -artifact_prefix="$out/crashes/" "$out/corpus" > "$out/fuzz.log" 2>&1
rc=$?
runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$out/fuzz.log" | awk '{print $2}')
[ -n "$runs" ] || runs=$(grep -Eo '#[0-9]+' "$out/fuzz.log" | tail -1 | tr -d '#')
if [ $rc -eq 0 ] && [ -z "$(ls -A "$out/crashes")" ]; then
  echo "PASS fuzz: ${secs}s, ${runs:-?} inputs, no crash"
  rm -rf "$out"
else
  echo "FAIL fuzz: crash or error (rc=$rc), see $out"
  grep -E 'ERROR|SUMMARY|runtime error' "$out/fuzz.log" | head -10
  exit 1
fi
