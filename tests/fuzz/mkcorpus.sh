#!/bin/sh
# mkcorpus.sh CASEDIR OUTDIR: one seed per case line, for every tag byte
# that the line's program name maps to in fuzz_parse.c's table (byte 0xff
# lets the target split the whole line itself)
set -e
mkdir -p "$2"
n=0
grep -ah '^line: ' "$1"/*.cases | sed 's/^line: //' | while IFS= read -r l; do
  n=$((n + 1))
  { printf '\377'; printf '%s' "$l"; } > "$2/seed-$n"
done
