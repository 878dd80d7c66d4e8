#!/usr/bin/env bash
# impstats: a real rsyslogd with the module, fixture geo databases and
# detection; a known set of lines is sent and the action's counters, read
# from impstats' JSON output, must equal the numbers those lines imply
# (worked out by hand below, line by line).  A second run with
# resetCounters="on" checks that the detect.keys gauge is not reset.
# SPDX-License-Identifier: Apache-2.0
. "$TOP_SRCDIR/tests/rsyslog/lib.sh"
trap rs_cleanup EXIT
rs_new stats
mkdir -p "$RS/geo"
perl "$TOP_SRCDIR/tests/geo/mkfixture.pl" "$RS/geo" || { fail "stats: geo fixture"; exit 1; }

# stats_conf RESET: config with impstats every second into $RS/stats
stats_conf() {
  cat > "$RS/rsyslog.conf" <<CONF
global(workDirectory="$RS/work" maxMessageSize="64k")
module(load="impstats" interval="1" format="json" log.syslog="off" log.file="$RS/stats" resetCounters="$1")
module(load="imptcp")
module(load="$MODULE")
input(type="imptcp" address="127.0.0.1" port="0" listenPortFileName="$RS/port" ruleset="main")
ruleset(name="main") {
  action(type="mmauthparse" geoip.files=["$RS/geo/geoip2-city.mmdb", "$RS/geo/geolite2-asn.mmdb"]
         bruteforce.threshold="3" bruteforce.window="600" dictionary.threshold="0"
         distributed.threshold="0" compromise.threshold="0" insecure="on")
  action(type="omfile" file="$RS/out" template="RSYSLOG_FileFormat")
}
CONF
}

# Each line, and what it adds (p parsed, u unparsed, s/f/k success/failure/
# unknown, b block, r redacted, gh/gm geo hit/miss (public addresses only;
# the fixture knows 89.160.20.0/24, 5.1.0.0/16, 2a02:d40::/32,
# 177.67.80.0/22), keys: a failure with an address creates its address key
# and, with a user, its user key; successes and blocks create none):
#  1 vpopmail fail, password, 89.160.20.112 a@x.example   p f r gh  +ip1 +a
#  2 vpopmail fail, password, 89.160.20.112 b@x.example   p f r gh  +b
#  3 dovecot fail 89.160.20.112 a@x.example               p f gh    3rd failure: bruteforce, incident opened
#  4 dovecot fail 89.160.20.112 a@x.example               p f gh    bruteforce again (condition holds): the same incident
#  5 postfix fail 82.221.106.233 (no user)                p f gm    +ip2
#  6 postfix unknown 81.2.69.160                          p k gm
#  7 dovecot success, plaintext, 5.1.2.3 carl             p s gh    insecure, incident opened
# (no incident closes: the windows are 600 s and more, the test a few seconds)
#  8 dovecot success, TLS, 2a02:d40::1:2 anna             p s gh
#  9 courier fail 192.168.2.1 z@y.example (private)       p f       +ip3 +z
# 10 postfix/qmgr noise                                   u
# 11 cron noise                                           u
# 12 sshd fail 203.0.113.5 root (documentation range)     p f       +ip4 +root
# 13 dovecot "no auth attempts"                           u
# 14 lfd block 177.67.80.9                                p b gh
cat > "$RS/in" <<'IN'
<22>Mar  3 04:11:01 mx2 vpopmail[22811]: vchkpw-imaps: password fail (pass: 'hunter2') a@x.example:89.160.20.112
<22>Mar  3 04:11:02 mx2 vpopmail[22812]: vchkpw-pop3s: password fail (pass: 'hunter3') b@x.example:89.160.20.112
<22>Mar  3 04:11:03 mx2 dovecot: imap-login: Disconnected (auth failed, 2 attempts): user=<a@x.example>, method=PLAIN, rip=89.160.20.112, lip=10.0.0.1, TLS
<22>Mar  3 04:11:04 mx2 dovecot: imap-login: Disconnected (auth failed, 1 attempts): user=<a@x.example>, method=PLAIN, rip=89.160.20.112, lip=10.0.0.1, TLS
<22>Mar  3 04:11:05 mx2 postfix/submission/smtpd[11538]: warning: unknown[82.221.106.233]: SASL LOGIN authentication failed: UGFzc3dvcmQ6
<22>Mar  3 04:11:06 mx2 postfix/smtpd[11539]: warning: unknown[81.2.69.160]: SASL LOGIN authentication failed: Connection lost to authentication server
<22>Mar  3 04:11:07 mx2 dovecot: pop3-login: Login: user=<carl>, method=PLAIN, rip=5.1.2.3, lip=10.0.0.1, mpid=4242, session=<Ab12Cd34Ef56Gh78>
<22>Mar  3 04:11:08 mx2 dovecot: imap-login: Login: user=<anna@example.org>, method=PLAIN, rip=2a02:d40::1:2, lip=2001:db8::25, TLS, session=<Xy12Ab34Cd56Ef78>
<22>Mar  3 04:11:09 mx2 imapd: LOGIN FAILED, user=z@y.example, ip=[::ffff:192.168.2.1]
<22>Mar  3 04:11:10 mx2 postfix/qmgr[123]: 4F1A2B3C: removed
<78>Mar  3 04:11:11 mx2 cron[99]: (root) CMD (run-parts /etc/cron.hourly)
<86>Mar  3 04:11:12 mx2 sshd[4242]: Failed password for root from 203.0.113.5 port 50022 ssh2
<22>Mar  3 04:11:13 mx2 dovecot: imap-login: Disconnected (no auth attempts in 0 secs): user=<>, rip=81.2.69.201, lip=10.0.0.1, session=<Zz12Ab34Cd56Ef78>
<38>Mar  3 04:11:14 mx2 lfd[12345]: (pop3d) Failed POP3 login from 177.67.80.9 (BR/Brazil/-): 30 in the last 3600 secs - Tue Mar  3 04:11:14 2026
IN
cat > "$RS/expect" <<'EXP'
{"parsed": 11, "unparsed": 3,
 "outcome.success": 2, "outcome.failure": 7, "outcome.unknown": 1, "blocks": 1,
 "redacted": 2, "geo.hits": 7, "geo.misses": 2, "geo.reloads": 0,
 "alerts.bruteforce": 2, "alerts.dictionary": 0, "alerts.distributed": 0,
 "alerts.compromise": 0, "alerts.insecure": 1,
 "incidents.opened.bruteforce": 1, "incidents.closed.bruteforce": 0,
 "incidents.opened.dictionary": 0, "incidents.closed.dictionary": 0,
 "incidents.opened.distributed": 0, "incidents.closed.distributed": 0,
 "incidents.opened.compromise": 0, "incidents.closed.compromise": 0,
 "incidents.opened.insecure": 1, "incidents.closed.insecure": 0,
 "alerts.stale": 0, "incidents.opened.stale": 0, "incidents.closed.stale": 0,
 "detect.keys": 8, "detect.evictions": 0, "ambiguous": 0, "uncounted": 0,
 "family.vpopmail": 2, "family.dovecot": 4, "family.postfix": 2, "family.courier": 1,
 "family.exim": 0, "family.cpanel": 0, "family.xeams": 0, "family.lfd": 1, "family.sshd": 1,
 "family.cyrus": 0, "family.sendmail": 0, "family.uw-imap": 0, "family.roundcube": 0,
 "family.horde": 0, "family.solid-pop3d": 0, "family.perdition": 0, "family.pam": 0,
 "family.directadmin": 0, "family.webmin": 0, "family.plesk": 0, "family.hestia": 0,
 "family.cwp": 0, "family.froxlor": 0, "family.cphulk": 0,
 "family.pureftpd": 0, "family.proftpd": 0, "family.vsftpd": 0, "family.qmail": 0,
 "family.apache": 0, "family.nginx": 0, "family.litespeed": 0, "family.lighttpd": 0,
 "family.mysql": 0, "family.phpmyadmin": 0, "family.postgresql": 0, "family.sogo": 0,
 "family.squirrelmail": 0, "family.openwebmail": 0, "family.groupoffice": 0, "family.tine20": 0,
 "family.zimbra": 0, "family.nginx-mail": 0, "family.kerio": 0, "family.domino": 0,
 "family.oracleims": 0, "family.dropbear": 0, "family.nextcloud": 0,
 "failed": 0}
EXP

# wait_stats: until an mmauthparse record shows all 14 lines (parsed +
# unparsed), at most 20 s; prints that record
wait_stats() {
  python3 - "$RS/stats" <<'PY'
import json, sys, time
end = time.time() + 20
while time.time() < end:
    try:
        recs = [json.loads(l[l.index("{"):]) for l in open(sys.argv[1]) if '"mmauthparse"' in l]
    except (OSError, ValueError):
        recs = []
    done = [r for r in recs if int(r.get("parsed", 0)) + int(r.get("unparsed", 0)) >= 14]
    if done:
        print(json.dumps(done[0])); sys.exit(0)
    time.sleep(0.2)
print(json.dumps(recs[-1] if recs else {})); sys.exit(1)
PY
}

stats_conf off
rs_start || { fail "stats: rsyslogd start"; exit 1; }
rs_send_file "$RS/in"
if rs_wait_lines "$RS/out" 14 && wait_stats > "$RS/rec"; then
  # one more interval: the gauge and counters must not move afterwards
  sleep 1.5
  rs_stop
  python3 - "$RS/rec" "$RS/expect" "$RS/stats" <<'PY'
import json, sys
got = json.load(open(sys.argv[1]))
want = json.load(open(sys.argv[2]))
bad = 0
print(("PASS" if got.get("name") == "mmauthparse" and got.get("origin") == "mmauthparse" else "FAIL")
      + f" stats: counter set named mmauthparse, origin mmauthparse ({got.get('name')}, {got.get('origin')})")
for k, v in want.items():
    g = got.get(k)
    if g is None:
        print(f"FAIL stats: counter {k} missing"); bad += 1
    elif int(g) != v:
        print(f"FAIL stats: {k} = {g}, expected {v}"); bad += 1
    else:
        print(f"PASS stats: {k} = {v}")
extra = sorted(k for k in got if k not in want and k not in ("name", "origin"))
print(("PASS stats: no other counters" if not extra else f"FAIL stats: unexpected counters {extra}"))
names = [k for k in got if k not in ("name", "origin")]
ok = all(k == k.lower() and " " not in k for k in names)
print(("PASS" if ok else "FAIL") + " stats: counter names are lower-case dotted")
last = [json.loads(l[l.index("{"):]) for l in open(sys.argv[3]) if '"mmauthparse"' in l][-1]
same = all(int(last.get(k, -1)) == v for k, v in want.items())
print(("PASS" if same else "FAIL") + " stats: the last record (later interval) still holds the same values")
sys.exit(1 if bad or extra or not ok or not same else 0)
PY
  [ $? -eq 0 ] || RS_FAIL=$((RS_FAIL + 1))
else
  fail "stats: no complete mmauthparse record: $(cat "$RS/rec" 2>/dev/null) $(tail -2 "$RS/stdout")"
  rs_stop
fi

# resetCounters="on": counters restart from zero each interval, but a gauge
# (detect.keys: keys held right now) must keep its value
cp "$RS/stats" "$RS/stats-run1" 2>/dev/null; rm -rf "$RS/work"/* "$RS/stats" "$RS/out" "$RS/port"
stats_conf on
rs_start || { fail "stats: rsyslogd start (resetCounters)"; exit 1; }
rs_send_file "$RS/in"
if rs_wait_lines "$RS/out" 14; then
  sleep 2.5   # at least two intervals after the lines
  rs_stop
  python3 - "$RS/stats" <<'PY'
import json, sys
recs = [json.loads(l[l.index("{"):]) for l in open(sys.argv[1]) if '"mmauthparse"' in l]
total = sum(int(r.get("parsed", 0)) for r in recs)
print(("PASS" if total == 11 else "FAIL") + f" stats: resetCounters=on: parsed adds up to 11 over the intervals ({total})")
last = recs[-1] if recs else {}
k = int(last.get("detect.keys", -1))
print(("PASS" if k == 8 else "FAIL") + f" stats: resetCounters=on: detect.keys gauge still 8 in a later interval (got {k})")
sys.exit(0 if total == 11 and k == 8 else 1)
PY
  [ $? -eq 0 ] || RS_FAIL=$((RS_FAIL + 1))
else
  fail "stats: resetCounters run wrote $(wc -l < "$RS/out" 2>/dev/null) of 14 lines"
fi
rs_valgrind_check stats
[ "$RS_FAIL" -eq 0 ]
