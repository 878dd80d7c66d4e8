#!/usr/bin/env bash
# One attempt, one count, against a real rsyslogd.  Dovecot with
# auth_verbose=yes logs a failed attempt twice (the auth process's verdict
# and the login process's summary with the same session); sshd logs key
# probes.  Bruteforce at 3 failures: three attempts of 81.2.69.60 (six
# lines) fire on the third verdict with the count 3, and every summary
# carries "counted": false; four key probes and two passwords from
# 81.2.69.50 stay below the threshold (only the passwords count), the probes
# marked "counted": false.  impstats: uncounted = 3 summaries + 4 probes.
# SPDX-License-Identifier: Apache-2.0
. "$TOP_SRCDIR/tests/rsyslog/lib.sh"
trap rs_cleanup EXIT
rs_new counted

cat > "$RS/rsyslog.conf" <<CONF
global(workDirectory="$RS/work" maxMessageSize="64k")
module(load="impstats" interval="1" format="json" log.syslog="off" log.file="$RS/stats" resetCounters="off")
module(load="imptcp")
module(load="$MODULE")
template(name="out" type="string" string="%msg%\t%\$!auth%\n")
input(type="imptcp" address="127.0.0.1" port="0" listenPortFileName="$RS/port" ruleset="main")
ruleset(name="main") {
  action(type="mmauthparse" bruteforce.threshold="3" bruteforce.window="600" dictionary.threshold="0"
         distributed.threshold="0" compromise.threshold="0" insecure="off")
  action(type="omfile" file="$RS/out" template="out")
}
CONF

cat > "$RS/in" <<'IN'
<22>2026-03-03T04:11:01Z mx2 dovecot: auth: sql(eve@d.example,81.2.69.60,<S1AbCdEfGhIjKlMn>): Password mismatch
<22>2026-03-03T04:11:03Z mx2 dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<eve@d.example>, method=PLAIN, rip=81.2.69.60, lip=10.0.0.1, TLS, session=<S1AbCdEfGhIjKlMn>
<22>2026-03-03T04:11:11Z mx2 dovecot: auth: sql(eve@d.example,81.2.69.60,<S2AbCdEfGhIjKlMn>): Password mismatch
<22>2026-03-03T04:11:13Z mx2 dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<eve@d.example>, method=PLAIN, rip=81.2.69.60, lip=10.0.0.1, TLS, session=<S2AbCdEfGhIjKlMn>
<22>2026-03-03T04:11:21Z mx2 dovecot: auth: sql(eve@d.example,81.2.69.60,<S3AbCdEfGhIjKlMn>): Password mismatch
<22>2026-03-03T04:11:23Z mx2 dovecot: imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<eve@d.example>, method=PLAIN, rip=81.2.69.60, lip=10.0.0.1, TLS, session=<S3AbCdEfGhIjKlMn>
<86>2026-03-03T04:12:01Z mx2 sshd[900]: Failed publickey for git from 81.2.69.50 port 4000 ssh2: RSA SHA256:x
<86>2026-03-03T04:12:02Z mx2 sshd[900]: Failed publickey for git from 81.2.69.50 port 4000 ssh2: ED25519 SHA256:y
<86>2026-03-03T04:12:03Z mx2 sshd[900]: Failed publickey for root from 81.2.69.50 port 4000 ssh2: RSA SHA256:z
<86>2026-03-03T04:12:04Z mx2 sshd[901]: Postponed publickey for git from 81.2.69.50 port 4001 ssh2 [preauth]
<86>2026-03-03T04:12:05Z mx2 sshd[902]: Failed password for git from 81.2.69.50 port 4002 ssh2
<86>2026-03-03T04:12:06Z mx2 sshd[903]: Failed password for git from 81.2.69.50 port 4003 ssh2
IN

rs_start || { fail "counted: rsyslogd start"; exit 1; }
rs_send_file "$RS/in"
if ! rs_wait_lines "$RS/out" 12; then
  fail "counted: rsyslogd wrote $(wc -l < "$RS/out" 2>/dev/null) of 12 lines"; exit 1
fi
sleep 2.5 # an impstats record after the last line
rs_stop

python3 - "$RS/out" "$RS/stats" <<'PY'
import json, sys
ev = [json.loads(l.rstrip("\n").split("\t")[1]) for l in open(sys.argv[1]) if l.strip()]
bad = 0
def check(name, ok, why=""):
    global bad
    print(("PASS" if ok else "FAIL") + " counted: " + name + ("" if ok else ": " + why))
    bad += 0 if ok else 1
bf = lambda e: e.get("alert", {}).get("bruteforce", {}).get("count")
check("dovecot verdicts counted, summaries not",
      [e.get("counted", True) for e in ev[:6]] == [True, False, True, False, True, False],
      json.dumps(ev[:6]))
check("three attempts in six lines: bruteforce fires on the third verdict with count 3",
      [bf(e) for e in ev[:6]] == [None, None, None, None, 3, 3], repr([bf(e) for e in ev[:6]]))
check("the summaries are still events with their outcome",
      all(e.get("outcome") == "failure" and e.get("attempts") == 1 for e in ev[1:6:2]),
      json.dumps(ev[1:6:2]))
check("key probes: counted false (three refused keys, one postponed)",
      [(e.get("outcome"), e.get("counted", True)) for e in ev[6:10]]
      == [("failure", False), ("failure", False), ("failure", False), ("unknown", False)],
      json.dumps(ev[6:10]))
check("passwords counted, still below the threshold: no alert for 81.2.69.50",
      [e.get("counted", True) for e in ev[10:]] == [True, True]
      and not any("alert" in e for e in ev[6:]), json.dumps(ev[6:]))
recs = [json.loads(l[l.index("{"):]) for l in open(sys.argv[2]) if '"mmauthparse"' in l]
last = recs[-1] if recs else {}
check("impstats: uncounted = 7, alerts.bruteforce = 2",
      int(last.get("uncounted", -1)) == 7 and int(last.get("alerts.bruteforce", -1)) == 2,
      json.dumps(last))
sys.exit(1 if bad else 0)
PY
[ $? -eq 0 ] || RS_FAIL=$((RS_FAIL + 1))
rs_valgrind_check counted
[ "$RS_FAIL" -eq 0 ]
