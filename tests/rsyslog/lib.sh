# lib.sh - run a private rsyslogd with the built module (sourced by tests).
#
# Each instance has its own directory with config, pid file, work directory
# and output files; imptcp listens on 127.0.0.1 on a port the kernel picks
# (reported through listenPortFileName); the instance is stopped by its own
# pid.  RS_VALGRIND=1 runs rsyslogd under valgrind memcheck.
#
# Needs: MODULE (path of mmauthparse.so), TOP_SRCDIR.
# SPDX-License-Identifier: Apache-2.0

: "${MODULE:?MODULE must name the built mmauthparse.so}"
: "${TOP_SRCDIR:?}"
RSYSLOGD=${RSYSLOGD:-$(command -v rsyslogd || echo /usr/sbin/rsyslogd)}
RS_PASS=0
RS_FAIL=0

pass() { echo "PASS $*"; RS_PASS=$((RS_PASS + 1)); }
fail() { echo "FAIL $*"; RS_FAIL=$((RS_FAIL + 1)); }

# rs_new NAME: a fresh instance directory in $RS
rs_new() {
  RS=$(mktemp -d "${TMPDIR:-/tmp}/mmap-rs-$1.XXXXXX")
  mkdir -p "$RS/work"
  RS_PID=""
}

# rs_conf ACTION_PARAMS [EXTRA_CONF]: a config reading imptcp, running
# mmauthparse with the given parameters, writing "msg<TAB>$!auth" lines to
# $RS/out and rsyslogd's own messages to $RS/internal.log
rs_conf() {
  cat > "$RS/rsyslog.conf" <<CONF
global(workDirectory="$RS/work" maxMessageSize="64k" processInternalMessages="on")
module(load="imptcp")
module(load="$MODULE")
template(name="mmap_out" type="string" string="%msg%\t%\$!auth%\n")
input(type="imptcp" address="127.0.0.1" port="0" listenPortFileName="$RS/port" ruleset="main")
ruleset(name="main") {
  action(type="mmauthparse" $1)
  action(type="omfile" file="$RS/out" template="mmap_out")
}
if \$programname == "rsyslogd" or \$syslogtag startswith "rsyslogd" then {
  action(type="omfile" file="$RS/internal.log")
}
$2
CONF
}

# rs_start: start rsyslogd in the foreground (backgrounded here) and wait
# for its port
rs_start() {
  local pre=""
  if [ "${RS_VALGRIND:-0}" = 1 ]; then
    pre="valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite --num-callers=30 --log-file=$RS/valgrind.log"
  fi
  rm -f "$RS/port"
  $pre "$RSYSLOGD" -n -f "$RS/rsyslog.conf" -i "$RS/rsyslogd.pid" > "$RS/stdout" 2>&1 &
  RS_PID=$!
  local i=0
  while [ ! -s "$RS/port" ]; do
    if ! kill -0 "$RS_PID" 2>/dev/null; then
      echo "rsyslogd exited at start-up:"; cat "$RS/stdout"; return 1
    fi
    i=$((i + 1)); [ $i -gt 600 ] && { echo "rsyslogd: no port after 60 s"; return 1; }
    sleep 0.1
  done
  RS_PORT=$(cat "$RS/port")
}

# rs_send LINE...: send syslog lines over TCP (LF framing)
rs_send() {
  exec 3<>"/dev/tcp/127.0.0.1/$RS_PORT" || return 1
  printf '%s\n' "$@" >&3
  exec 3>&-
}

# rs_send_file FILE
rs_send_file() {
  exec 3<>"/dev/tcp/127.0.0.1/$RS_PORT" || return 1
  cat "$1" >&3
  exec 3>&-
}

# rs_wait_lines FILE N [SECONDS]: wait until FILE has at least N lines
rs_wait_lines() {
  local f=$1 n=$2 t=${3:-30} i=0 have
  while :; do
    have=$( [ -f "$f" ] && wc -l < "$f" || echo 0)
    [ "$have" -ge "$n" ] && return 0
    i=$((i + 1)); [ $i -gt $((t * 10)) ] && { echo "timeout: $f has $have of $n lines"; return 1; }
    sleep 0.1
  done
}

# rs_hup: send HUP to our rsyslogd only
rs_hup() { kill -HUP "$RS_PID"; }

# rs_stop: stop our rsyslogd by its pid and wait for it
rs_stop() {
  [ -n "$RS_PID" ] || return 0
  kill -TERM "$RS_PID" 2>/dev/null
  local i=0
  while kill -0 "$RS_PID" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 600 ] && { kill -KILL "$RS_PID"; break; }
    sleep 0.1
  done
  wait "$RS_PID" 2>/dev/null
  RS_PID=""
}

# rs_valgrind_check NAME: no error or definite leak with a frame in our code
rs_valgrind_check() {
  [ "${RS_VALGRIND:-0}" = 1 ] || return 0
  python3 "$TOP_SRCDIR/tests/rsyslog/vgcheck.py" "$RS/valgrind.log" \
    && pass "$1: valgrind: no errors in mmauthparse" \
    || fail "$1: valgrind reports errors in mmauthparse (see $RS/valgrind.log)"
}

rs_cleanup() {
  rs_stop
  if [ "$RS_FAIL" -eq 0 ] && [ -n "${RS:-}" ] && [ "${KEEP:-0}" != 1 ]; then rm -rf "$RS"; fi
}
