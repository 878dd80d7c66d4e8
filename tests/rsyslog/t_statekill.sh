#!/usr/bin/env bash
# The state file survives kill -9.  rsyslogd runs with
# detect.stateFile and detect.stateInterval="1"; five failures of one
# address open a bruteforce incident (threshold 4) and update it; after
# two intervals rsyslogd is killed with SIGKILL (no shutdown save).  A new
# rsyslogd with the same configuration loads the file the background
# thread wrote: the sixth failure continues the count (6) and the same
# incident (same id, state update).  A file of an unknown version is then
# refused with a message naming the version, and the action runs on empty.
# SPDX-License-Identifier: Apache-2.0
. "$TOP_SRCDIR/tests/rsyslog/lib.sh"
trap rs_cleanup EXIT
rs_new statekill
T=30; [ "${RS_VALGRIND:-0}" = 1 ] && T=120

cat > "$RS/rsyslog.conf" <<CONF
global(workDirectory="$RS/work" maxMessageSize="64k" processInternalMessages="on")
module(load="imptcp")
module(load="$MODULE")
template(name="out" type="string" string="%msg%\t%\$!auth%\n")
input(type="imptcp" address="127.0.0.1" port="0" listenPortFileName="$RS/port" ruleset="main")
ruleset(name="main") {
  action(type="mmauthparse" bruteforce.threshold="4" bruteforce.window="3600" dictionary.threshold="0"
         distributed.threshold="0" compromise.threshold="0" insecure="off" stale.threshold="0"
         detect.stateFile="$RS/state" detect.stateInterval="1")
  action(type="omfile" file="$RS/out" template="out")
}
if \$programname == "rsyslogd" or \$syslogtag startswith "rsyslogd" then {
  action(type="omfile" file="$RS/internal.log")
}
CONF
line() { echo "<22>2026-03-03T04:11:0$1Z mx2 vpopmail[$1]: vchkpw-pop3: password fail k@d.example:81.2.69.240"; }

rs_start || { fail "statekill: rsyslogd start"; exit 1; }
rs_send "$(line 1)" "$(line 2)" "$(line 3)" "$(line 4)" "$(line 5)"
rs_wait_lines "$RS/out" 5 "$T" || { fail "statekill: 5 lines not written"; exit 1; }
sleep 2.5 # two save intervals
kill -KILL "$RS_PID"; wait "$RS_PID" 2>/dev/null; RS_PID=""
if [ -s "$RS/state" ]; then pass "statekill: the state file was written while running"
else fail "statekill: no state file before the kill"; exit 1; fi
if ls "$RS"/state.tmp.* > /dev/null 2>&1; then
  echo "note: a temporary file was left by the kill: $(ls "$RS"/state.tmp.*)"; rm -f "$RS"/state.tmp.*
fi

rs_start || { fail "statekill: rsyslogd restart"; exit 1; }
rs_send "$(line 6)"
rs_wait_lines "$RS/out" 6 "$T" || { fail "statekill: the sixth line not written"; exit 1; }
rs_stop
python3 - "$RS/out" <<'PY'
import json, sys
ev = [json.loads(l.rstrip("\n").split("\t")[1]) for l in open(sys.argv[1]) if l.strip()]
bf = [e.get("alert", {}).get("bruteforce") for e in ev]
bad = 0
def check(name, ok, why=""):
    global bad
    print(("PASS" if ok else "FAIL") + " statekill: " + name + ("" if ok else ": " + why))
    bad += 0 if ok else 1
check("before the kill: open on the fourth, update on the fifth",
      bf[:3] == [None, None, None] and bf[3]["incident"]["state"] == "open"
      and bf[4]["incident"]["state"] == "update" and bf[4]["count"] == 5, json.dumps(bf[:5]))
check("after kill -9 and a restart: the count goes on (6) in the same incident",
      bf[5] is not None and bf[5]["count"] == 6 and bf[5]["incident"]["state"] == "update"
      and bf[5]["incident"]["id"] == bf[3]["incident"]["id"]
      and bf[5]["incident"]["first_seen"] == "2026-03-03T04:11:01Z"
      and bf[5]["incident"]["count"] == 6, json.dumps(bf[5]))
sys.exit(1 if bad else 0)
PY
[ $? -eq 0 ] || RS_FAIL=$((RS_FAIL + 1))
if grep -q "loaded 2 keys, 1 incidents (format 2)" "$RS/internal.log" 2>/dev/null; then
  pass "statekill: rsyslogd's log says what was loaded"
else fail "statekill: no load message: $(grep -i statefile "$RS/internal.log" 2>/dev/null | tail -2)"; fi

# a file from a newer version of the module: refused, never misread
printf 'MMAPDET\n\x09\x00\x00\x00%040d' 0 > "$RS/state"
: > "$RS/internal.log"; : > "$RS/out"
rs_start || { fail "statekill: start with a newer file"; exit 1; }
rs_send "$(line 7)"
rs_wait_lines "$RS/out" 1 "$T"
rs_stop
if grep -q "version 9 is newer than this build reads (2)" "$RS/internal.log"; then
  pass "statekill: a newer format is refused with a message naming it"
else fail "statekill: newer file: $(grep -i statefile "$RS/internal.log" | tail -2)"; fi
if grep -q '"bruteforce"' "$RS/out"; then fail "statekill: state was read from the refused file"
else pass "statekill: nothing of the refused file is used"; fi
rs_valgrind_check statekill
[ "$RS_FAIL" -eq 0 ]
