#!/usr/bin/env bash
# run.sh [SECONDS [MIN_EXECS]] - build the libFuzzer targets with clang
# (ASan + UBSan, build.sh), seed them and run them:
#   fuzz_parse  SECONDS (default 60), seeded from the case tables, with the
#               recognisers' dictionary (dict);
#   fuzz_cli    FUZZ_OTHER_SECONDS (default SECONDS/4, at least 5), seeded
#               from the case tables, with the dictionary;
#   fuzz_state  FUZZ_OTHER_SECONDS, seeded with real state files that
#               mkstate writes with the core's own code;
#   fuzz_event  FUZZ_OTHER_SECONDS, seeded with the case tables' expected
#               events and hostile JSON (mkcorpus.py), with the event
#               members' dictionary (dict-event).
# One PASS/FAIL line per target.  A target FAILS on a crash (the input is
# kept; copy it into tests/fuzz/regress/<target>/ once understood) and when
# it ran fewer executions than its minimum, read from libFuzzer's final
# stats (stat::number_of_executed_units): MIN_EXECS or FUZZ_MIN_EXECS for
# fuzz_parse (default 500000 per 60 s: 500,000 in the test suite's 60 s run,
# a few million come out on 2 cores), FUZZ_MIN_EXECS_CLI (default
# MIN_EXECS/20), FUZZ_MIN_EXECS_STATE (default MIN_EXECS/100) and
# FUZZ_MIN_EXECS_EVENT (default MIN_EXECS/20) for the others.
# FUZZ_TARGETS (default "parse cli state event") chooses the targets;
# FUZZ_BUILD the build directory (default build-fuzz/); FUZZ_CORPUS a
# directory whose <target>/ keeps what the runs found for the next run
# (make fuzz sets it; by default each run starts from the seeds alone, so
# that a corpus grown over many runs does not slow the test suite's short
# run below its minimum).
#
# SPDX-License-Identifier: Apache-2.0
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/build.sh"
top=$FUZZ_TOP
secs=${1:-60}
min_parse=${2:-${FUZZ_MIN_EXECS:-$((500000 * secs / 60))}}
other=${FUZZ_OTHER_SECONDS:-$((secs / 4 < 5 ? 5 : secs / 4))}
min_cli=${FUZZ_MIN_EXECS_CLI:-$((min_parse / 20))}
min_state=${FUZZ_MIN_EXECS_STATE:-$((min_parse / 100))}
min_event=${FUZZ_MIN_EXECS_EVENT:-$((min_parse / 20))}
targets=${FUZZ_TARGETS:-$FUZZ_TARGETS_ALL}
out=$(mktemp -d "${TMPDIR:-/tmp}/mmap-fuzz.XXXXXX")

fuzz_build || exit 1

# seeds: the case tables (their lines; for event their expected JSON and
# hostile JSON), and real state files (all events, the first half,
# the other detection settings), each in the three input modes of
# fuzz_state.c (byte 0 = mode + 3 * variant)
corpus=${FUZZ_CORPUS:-$out/corpus}
seed() {
  local t=$1 c=$corpus/$t
  mkdir -p "$c"
  case $t in
    parse | cli | event) python3 "$here/mkcorpus.py" "$t" "$top/tests/cases" "$c" ;;
    state)
      local n v f m
      for n in 12 6; do
        for v in 0 1; do
          f=$out/state-$n-$v
          "$FB/mkstate" "$f" "$n" "$v" || return 1
          [ -s "$f" ] || { echo "mkstate wrote no state file"; return 1; }
          m=$((3 * v))
          { printf "\\$(printf %03o $m)"; cat "$f"; } > "$c/seed-$n-$v-raw"
          { printf "\\$(printf %03o $((m + 1)))"; head -c -8 "$f"; } > "$c/seed-$n-$v-sum"
          { printf "\\$(printf %03o $((m + 2)))"; tail -c +13 "$f" | head -c -8; } > "$c/seed-$n-$v-body"
        done
      done ;;
  esac
}

status=0
for t in $targets; do
  case $t in
    parse) s=$secs; min=$min_parse; len=4096; dict=(-dict="$here/dict") ;;
    cli) s=$other; min=$min_cli; len=8192; dict=(-dict="$here/dict") ;;
    state) s=$other; min=$min_state; len=4096; dict=() ;;
    event) s=$other; min=$min_event; len=8192; dict=(-dict="$here/dict-event") ;;
    *) echo "FAIL fuzz: unknown target $t"; status=1; continue ;;
  esac
  seed "$t" > "$out/seed-$t.log" 2>&1 || { echo "FAIL fuzz $t: seeds"; cat "$out/seed-$t.log"; status=1; continue; }
  mkdir -p "$out/crashes-$t"
  "$FB/fuzz_$t" -max_total_time="$s" -max_len=$len -timeout=5 \
    -rss_limit_mb=2048 -print_final_stats=1 "${dict[@]}" -artifact_prefix="$out/crashes-$t/" \
    "$corpus/$t" > "$out/fuzz-$t.log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$out/fuzz-$t.log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *\([0-9]*\).*/\1/p' "$out/fuzz-$t.log" | tail -1)
  if [ $rc -ne 0 ] || [ -n "$(ls -A "$out/crashes-$t")" ]; then
    echo "FAIL fuzz $t: crash or error (rc=$rc) after ${runs:-?} executions; input kept in $out/crashes-$t"
    grep -aE 'ERROR|SUMMARY|runtime error|fuzz_state:|fuzz_event:' "$out/fuzz-$t.log" | head -10
    status=1
  elif [ -z "$runs" ]; then
    echo "FAIL fuzz $t: no final stats (stat::number_of_executed_units) in $out/fuzz-$t.log"
    tail -5 "$out/fuzz-$t.log"
    status=1
  elif [ "$runs" -lt "$min" ]; then
    echo "FAIL fuzz $t: only $runs executions in ${s}s (${rate:-?}/s), fewer than the minimum $min"
    status=1
  else
    echo "PASS fuzz $t: ${s}s, $runs executions (${rate:-?}/s, minimum $min), no crash"
  fi
done
if [ $status -eq 0 ] && [ "${KEEP:-0}" != 1 ]; then rm -rf "$out"; else echo "fuzz: logs in $out"; fi
exit $status
