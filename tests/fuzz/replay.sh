#!/usr/bin/env bash
# replay.sh - the crash inputs kept under tests/fuzz/regress/<target>/ run
# once more through their target (build.sh builds them): one PASS/FAIL line
# per target; a target whose directory is empty or missing passes.  A file
# whose name starts with '.' or ends in .md is not an input.
#
# SPDX-License-Identifier: Apache-2.0
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/build.sh"
fuzz_build || exit 1
status=0
log=$(mktemp "${TMPDIR:-/tmp}/mmap-fuzz-replay.XXXXXX")
for t in $FUZZ_TARGETS_ALL; do
  dir=$here/regress/$t
  inputs=()
  if [ -d "$dir" ]; then
    while IFS= read -r -d '' f; do inputs+=("$f"); done \
      < <(find "$dir" -maxdepth 1 -type f ! -name '.*' ! -name '*.md' -print0 | sort -z)
  fi
  if [ ${#inputs[@]} -eq 0 ]; then
    echo "PASS fuzz-regress $t: no inputs kept"
    continue
  fi
  bad=()
  for f in "${inputs[@]}"; do
    # one input per run, so that every failing file is named
    "$FB/fuzz_$t" -runs=1 "$f" > "$log" 2>&1 || { bad+=("$(basename "$f")"); grep -aE 'ERROR|SUMMARY|runtime error|fuzz_state:|fuzz_event:' "$log" | head -3 | sed 's/^/    /'; }
  done
  if [ ${#bad[@]} -eq 0 ]; then
    echo "PASS fuzz-regress $t: ${#inputs[@]} input(s) replayed without a crash"
  else
    echo "FAIL fuzz-regress $t: ${#bad[@]} of ${#inputs[@]} input(s) crash: ${bad[*]}"
    status=1
  fi
done
rm -f "$log"
exit $status
