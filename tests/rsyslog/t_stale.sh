#!/usr/bin/env bash
# Stale clients against a real rsyslogd.  vpopmail logs the attempted
# password: amy's phone tries the same old password four times from one
# address (alert.stale on the third, "counted": false from the second on,
# so bruteforce at 3 never fires); a guesser tries three different
# passwords for bob (bruteforce fires, no stale).  dovecot logs no password:
# eva fails every five minutes from one address, and the fourth failure is
# marked stale with the interval.  Afterwards every output of the run (the
# events, impstats, rsyslogd's own messages and stdout, the state file and
# the work directory) is searched for the passwords: they appear nowhere.
# SPDX-License-Identifier: Apache-2.0
. "$TOP_SRCDIR/tests/rsyslog/lib.sh"
trap rs_cleanup EXIT
rs_new stale

cat > "$RS/rsyslog.conf" <<CONF
global(workDirectory="$RS/work" maxMessageSize="64k" processInternalMessages="on")
module(load="impstats" interval="1" format="json" log.syslog="off" log.file="$RS/stats" resetCounters="off")
module(load="imptcp")
module(load="$MODULE")
template(name="out" type="string" string="%msg%\t%\$!auth%\n")
input(type="imptcp" address="127.0.0.1" port="0" listenPortFileName="$RS/port" ruleset="main")
ruleset(name="main") {
  action(type="mmauthparse" bruteforce.threshold="3" bruteforce.window="600" dictionary.threshold="0"
         distributed.threshold="0" compromise.threshold="0" insecure="off"
         stale.threshold="3" stale.window="3600" detect.stateFile="$RS/work/state")
  action(type="omfile" file="$RS/out" template="out")
}
if \$programname == "rsyslogd" or \$syslogtag startswith "rsyslogd" then {
  action(type="omfile" file="$RS/internal.log")
}
CONF

cat > "$RS/in" <<'IN'
<22>2026-03-03T04:00:00Z mx2 vpopmail[1]: vchkpw-pop3: password fail (pass: 'Summer2023!old') amy@d.example:81.2.69.80
<22>2026-03-03T04:05:00Z mx2 vpopmail[2]: vchkpw-pop3: password fail (pass: 'Summer2023!old') amy@d.example:81.2.69.80
<22>2026-03-03T04:10:00Z mx2 vpopmail[3]: vchkpw-pop3: password fail (pass: 'Summer2023!old') amy@d.example:81.2.69.80
<22>2026-03-03T04:15:00Z mx2 vpopmail[4]: vchkpw-pop3: password fail (pass: 'Summer2023!old') amy@d.example:81.2.69.80
<22>2026-03-03T04:00:01Z mx2 vpopmail[5]: vchkpw-pop3: password fail (pass: 'guess-one-77') bob@d.example:81.2.69.81
<22>2026-03-03T04:00:02Z mx2 vpopmail[6]: vchkpw-pop3: password fail (pass: 'guess-two-88') bob@d.example:81.2.69.81
<22>2026-03-03T04:00:03Z mx2 vpopmail[7]: vchkpw-pop3: password fail (pass: 'guess-three-99') bob@d.example:81.2.69.81
<22>2026-03-03T04:00:00Z mx2 dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<eva@d.example>, method=PLAIN, rip=81.2.69.90, lip=10.0.0.1, TLS
<22>2026-03-03T04:05:00Z mx2 dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<eva@d.example>, method=PLAIN, rip=81.2.69.90, lip=10.0.0.1, TLS
<22>2026-03-03T04:10:00Z mx2 dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<eva@d.example>, method=PLAIN, rip=81.2.69.90, lip=10.0.0.1, TLS
<22>2026-03-03T04:15:00Z mx2 dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<eva@d.example>, method=PLAIN, rip=81.2.69.90, lip=10.0.0.1, TLS
IN

rs_start || { fail "stale: rsyslogd start"; exit 1; }
rs_send_file "$RS/in"
if ! rs_wait_lines "$RS/out" 11; then
  fail "stale: rsyslogd wrote $(wc -l < "$RS/out" 2>/dev/null) of 11 lines"; exit 1
fi
sleep 2.5
rs_stop

python3 - "$RS/out" "$RS/stats" <<'PY'
import json, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
ev = [json.loads(r[1]) for r in rows]
bad = 0
def check(name, ok, why=""):
    global bad
    print(("PASS" if ok else "FAIL") + " stale: " + name + ("" if ok else ": " + why))
    bad += 0 if ok else 1
al = lambda e, k: e.get("alert", {}).get(k)
amy, bob, eva = ev[0:4], ev[4:7], ev[7:11]
check("same password: the first counts, the repeats do not",
      [e.get("counted", True) for e in amy] == [True, False, False, False], json.dumps(amy))
st = [al(e, "stale") for e in amy]
check("same password: alert.stale on the third try with count 3, then 4",
      st[0] is None and st[1] is None and st[2]["count"] == 3 and st[2]["threshold"] == 3
      and st[2]["window"] == 3600 and st[3]["count"] == 4, json.dumps(st))
i3, i4 = st[2]["incident"], st[3]["incident"]
check("same password: the incident, from the first try",
      i3["state"] == "open" and i3["first_seen"] == "2026-03-03T04:00:00Z"
      and i3["last_seen"] == "2026-03-03T04:10:00Z" and i4["state"] == "update"
      and i4["id"] == i3["id"] and i4["count"] == 4, json.dumps([i3, i4]))
check("same password: never bruteforce (repeats suppressed)",
      not any(al(e, "bruteforce") for e in amy), json.dumps(amy))
check("different passwords: bruteforce on the third, no stale, all counted",
      [bool(al(e, "bruteforce")) for e in bob] == [False, False, True]
      and not any(al(e, "stale") for e in bob) and all(e.get("counted", True) for e in bob),
      json.dumps(bob))
check("no password logged: the fourth failure at a steady 300 s is marked stale",
      [e.get("stale") for e in eva] == [None, None, None, {"interval": 300, "failures": 4}]
      and all(e.get("counted", True) for e in eva), json.dumps(eva))
check("messages redacted", all("[REDACTED]" in r[0] for r in rows[:7]), repr(rows[:7]))
recs = [json.loads(l[l.index("{"):]) for l in open(sys.argv[2]) if '"mmauthparse"' in l]
last = recs[-1] if recs else {}
check("impstats: alerts.stale 2, incidents.opened.stale 1, uncounted 3",
      int(last.get("alerts.stale", -1)) == 2 and int(last.get("incidents.opened.stale", -1)) == 1
      and int(last.get("uncounted", -1)) == 3, json.dumps(last))
sys.exit(1 if bad else 0)
PY
[ $? -eq 0 ] || RS_FAIL=$((RS_FAIL + 1))
if [ -s "$RS/work/state" ]; then pass "stale: the state file was written"
else fail "stale: no state file"; fi
# every output of the run, the state file included
found=$(grep -rl -a -e 'Summer2023!old' -e 'guess-one-77' -e 'guess-two-88' -e 'guess-three-99' \
  "$RS/out" "$RS/stats" "$RS/stdout" "$RS/work" "$RS/internal.log" 2>/dev/null)
if [ -z "$found" ]; then pass "stale: no password in any output, log or the state file"
else fail "stale: a password appears in: $found"; fi
rs_valgrind_check stale
[ "$RS_FAIL" -eq 0 ]
