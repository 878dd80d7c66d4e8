#!/usr/bin/env bash
# bench/cluster.sh - the cluster tier's benchmark (issue 16): its cost to
# the pipeline, the events per second one Redis absorbs with the batching
# and combining, Redis memory per tracked key (bench/cluster_bench), and a
# real rsyslogd end to end with and without the tier.  A private
# redis-server (tests/redis.sh: loopback, its own directory, --save '').
#
#   bench/cluster.sh            full run (about 5 minutes on 2 cores);
#                               writes bench/CLUSTER.md and prints it
#   bench/cluster.sh --quick    a few seconds: proves the bench works;
#                               writes $BENCH_OUT (default: a temporary file)
#
# Environment: BUILD (configured build directory, default <repo>/build),
# RSYSLOGD, BENCH_OUT, KEEP=1 (keep the work directory).
# Benchmarks are not tests: nothing here asserts a time.
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
  N=20000 M=5000 E2E_N=20000 ROUNDS=1 CLIENTS=3
else
  N=200000 M=200000 E2E_N=500000 ROUNDS=3 CLIENTS=3
fi
log() { printf 'bench: %s\n' "$*" >&2; }

. "$top/tests/redis.sh"
redis_have || { log "redis-server is not installed (scripts/setup.sh)"; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/mmap-clbench.XXXXXX")
RS_PID=""
cleanup() {
  if [ -n "$RS_PID" ]; then kill -TERM "$RS_PID" 2>/dev/null || true; wait "$RS_PID" 2>/dev/null || true; fi
  redis_cleanup
  if [ "${KEEP:-0}" != 1 ]; then rm -rf "$work"; else log "work directory kept: $work"; fi
}
trap cleanup EXIT
t_start=$EPOCHREALTIME

[ -f "$build/Makefile" ] || { log "no configured build in $build"; exit 1; }
make -s -C "$build" mmauthparse.la bench/cluster_bench >"$work/make.log" 2>&1 || { cat "$work/make.log" >&2; exit 1; }
gcc -std=gnu11 -O2 -Wall -Wextra -Werror "$top/bench/gen.c" -o "$work/gen"
MODULE=$build/.libs/mmauthparse.so

redis_start bench || exit 1
log "redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') on $REDIS_ADDR"

log "cluster_bench: pipeline, absorb ($CLIENTS collectors x $N), memory ($M keys)"
"$build/bench/cluster_bench" -r "$REDIS_ADDR" -n "$N" -c "$CLIENTS" -m "$M" > "$work/micro.md" 2>"$work/micro.err"

# ------------------------------------------------------------------ end to end
log "end to end: $ROUNDS round(s), $E2E_N lines per run"
"$work/gen" -n "$E2E_N" -p > "$work/corpus.syslog" 2>"$work/gen.txt"
redis_cli FLUSHALL >/dev/null
e2e_conf() {  # DIR CONFIG
  local d=$1 c=$2 mm
  case $c in
    l) mm="action(type=\"mmauthparse\")" ;;
    a) mm="action(type=\"mmauthparse\" cluster.redis=\"$REDIS_ADDR\" cluster.node=\"b$RANDOM\" cluster.prefix=\"e2e$RANDOM:\")" ;;
    d) mm="action(type=\"mmauthparse\" cluster.redis=\"127.0.0.1:1\" cluster.node=\"b$RANDOM\")" ;;
    s) mm="action(type=\"mmauthparse\" cluster.mode=\"sync\" cluster.redis=\"$REDIS_ADDR\" cluster.node=\"b$RANDOM\" cluster.prefix=\"e2e$RANDOM:\")" ;;
  esac
  cat > "$d/rsyslog.conf" <<CONF
global(workDirectory="$d/work" maxMessageSize="64k")
main_queue(queue.size="200000")
module(load="imptcp")
module(load="impstats" interval="1" format="json" log.syslog="off" log.file="$d/stats")
module(load="$MODULE")
template(name="bench_out" type="string" string="%msg%\t%\$!auth%\n")
input(type="imptcp" address="127.0.0.1" port="0" listenPortFileName="$d/port" ruleset="bench")
ruleset(name="bench") {
  $mm
  action(type="omfile" file="$d/out" template="bench_out")
}
CONF
}
feed_and_wait() {  # PORT FILE OUT N -> seconds
  python3 - "$@" <<'PY'
import socket, sys, time
port, path, out, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
t0 = time.monotonic()
s = socket.create_connection(("127.0.0.1", port))
with open(path, "rb") as f:
    s.sendfile(f)
s.close()
lines, fh = 0, None
while lines < n:
    if time.monotonic() - t0 > 900:
        print("timeout", file=sys.stderr); sys.exit(1)
    if fh is None:
        try:
            fh = open(out, "rb")
        except FileNotFoundError:
            time.sleep(0.005); continue
    b = fh.read(1 << 20)
    if b:
        lines += b.count(b"\n")
    else:
        time.sleep(0.005)
print("%.4f" % (time.monotonic() - t0))
PY
}
declare -A E2E SENT
e2e_run() {  # CONFIG -> msg/s
  local c=$1 d secs
  d=$(mktemp -d "$work/rs-$c.XXXXXX"); mkdir -p "$d/work"
  e2e_conf "$d" "$c"
  "$RSYSLOGD" -n -f "$d/rsyslog.conf" -i "$d/rsyslogd.pid" > "$d/stdout" 2>&1 &
  RS_PID=$!
  local i=0
  while [ ! -s "$d/port" ]; do
    kill -0 "$RS_PID" 2>/dev/null || { log "rsyslogd ($c) exited:"; cat "$d/stdout" >&2; exit 1; }
    i=$((i + 1)); [ $i -gt 600 ] && { log "rsyslogd ($c): no port"; exit 1; }
    sleep 0.1
  done
  secs=$(feed_and_wait "$(cat "$d/port")" "$work/corpus.syslog" "$d/out" "$E2E_N") || exit 1
  sleep 1.5
  kill -TERM "$RS_PID"; wait "$RS_PID" 2>/dev/null || true; RS_PID=""
  python3 -c '
import json, sys
r = [json.loads(l[l.index("{"):]) for l in open(sys.argv[1]) if "\"mmauthparse\"" in l]
print("%s %s" % (r[-1].get("cluster.sent", 0), r[-1].get("cluster.dropped", 0)) if r else "0 0")' "$d/stats" > "$work/sent.$c"
  rm -rf "$d"
  awk -v n="$E2E_N" -v s="$secs" 'BEGIN { printf "%.0f", n / s }'
}
for ((r = 0; r < ROUNDS; r++)); do
  set -- l a d s
  order=("${@:$((r % 4 + 1))}" "${@:1:$((r % 4))}")
  for c in "${order[@]}"; do
    v=$(e2e_run "$c"); E2E[$c]="${E2E[$c]:-} $v"; SENT[$c]=$(cat "$work/sent.$c")
    log "  round $((r + 1)): ($c) $v msg/s (cluster.sent ${SENT[$c]})"
  done
done
med() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.0f %.0f %.0f", m, v[1], v[NR] }'; }
read -r l_med l_min l_max <<< "$(med ${E2E[l]})"
e2e_table="| configuration | msg/s, median | min-max | ratio | cluster.sent, dropped (last run) |"$'\n'"|---|---:|---|---:|---:|"$'\n'
for c in l a d s; do
  read -r m mn mx <<< "$(med ${E2E[$c]})"
  case $c in
    l) label="mmauthparse, local detection (no geo)" ;;
    a) label="+ cluster tier, async (default)" ;;
    d) label="+ cluster tier, async, no Redis (the tier's own cost: queue full, dropping)" ;;
    s) label="+ cluster tier, sync (one round trip per failure)" ;;
  esac
  e2e_table+="| $label | $m | $mn-$mx | $(awk -v x="$m" -v a="$l_med" 'BEGIN { printf "%.2f", x / a }') | ${SENT[$c]/ /, } |"$'\n'
done

out=${BENCH_OUT:-}
[ -n "$out" ] || { if [ $quick = 1 ]; then out=$work/CLUSTER.md; else out=$top/bench/CLUSTER.md; fi; }
elapsed=$(awk -v s="$t_start" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.0f", e - s }')
{
  echo "# mmauthparse cluster tier: benchmark results"
  echo
  [ $quick = 1 ] && { echo "**Quick mode**: proves the bench works; the figures mean nothing."; echo; }
  echo "Written by \`bench/cluster.sh\` on $(date -u +%Y-%m-%d) in ${elapsed} s."
  echo
  echo "- CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), nproc $(nproc)"
  echo "- redis-server $(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/') (loopback TCP, no persistence), hiredis $(pkg-config --modversion hiredis 2>/dev/null || echo '?')"
  echo "- rsyslog: $("$RSYSLOGD" -v 2>/dev/null | head -n 1 | sed 's/ *compiled with://')"
  echo "- mmauthparse: $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo
  echo "Redis, the collectors and the senders share the machine's 2 cores (and"
  echo "other sessions' work): the events/s are what one box does with everything"
  echo "on it; Redis's own CPU time per event is the figure that says what a"
  echo "dedicated Redis absorbs."
  echo
  cat "$work/micro.md"
  echo "### End to end: rsyslogd, imptcp -> mmauthparse -> omfile"
  echo
  echo "\`bench/gen.c\` corpus, $E2E_N lines (half of them authentication lines,"
  echo "most of those failures), one loopback TCP connection, a fresh rsyslogd per"
  echo "run; the clock stops when the output holds every line. $ROUNDS round(s),"
  echo "the order rotated."
  echo
  printf '%s' "$e2e_table"
  echo
} > "$out"
cat "$out"
