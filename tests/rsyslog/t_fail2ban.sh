#!/usr/bin/env bash
# fail2ban: a real rsyslogd with the module writes failures.log and
# alerts.log through our templates; Debian's fail2ban-regex with our filters
# finds exactly the failures sent (count and addresses) and none of the
# successes, unknowns and noise; user names built to inject an address
# (`x ip=6.6.6.6`, `x" ip=7.7.7.7 ...`) never make fail2ban see that
# address; the filter does not match look-alike lines; the alerts filter
# bans once per incident (the line of the event that opens it, not the
# lines of later alerts of the same incident); the example jails load in
# fail2ban-client.
# SPDX-License-Identifier: Apache-2.0
. "$TOP_SRCDIR/tests/rsyslog/lib.sh"
trap rs_cleanup EXIT
rs_new fail2ban
F2B=$TOP_SRCDIR/conf/fail2ban
T=$TOP_SRCDIR/conf/templates
if ! command -v fail2ban-regex > /dev/null; then
  fail "fail2ban: fail2ban-regex not installed (apt-get install fail2ban)"; exit 1
fi
cat > "$RS/rsyslog.conf" <<CONF
global(workDirectory="$RS/work" maxMessageSize="64k")
module(load="imptcp")
module(load="$MODULE")
input(type="imptcp" address="127.0.0.1" port="0" listenPortFileName="$RS/port" ruleset="main")
include(file="$T/fail2ban.conf")
include(file="$T/fail2ban-alerts.conf")
ruleset(name="main") {
  action(type="mmauthparse" bruteforce.threshold="2" bruteforce.window="600" dictionary.threshold="0"
         distributed.threshold="0" compromise.threshold="0" insecure="off")
  action(type="omfile" file="$RS/all" template="RSYSLOG_FileFormat")
  if \$!auth!outcome == "failure" and \$!auth!ip != "" and \$!auth!counted != "false" then
    action(type="omfile" file="$RS/failures.log" template="mmauthparse_fail2ban")
  if \$!auth!ip != "" and (\$!auth!alert!bruteforce != "" or \$!auth!alert!dictionary != "") then
    action(type="omfile" file="$RS/alerts.log" template="mmauthparse_fail2ban_alerts")
}
CONF
rs_start || { fail "fail2ban: rsyslogd start"; exit 1; }
cat > "$RS/in" <<'IN'
<22>1 2026-03-03T04:11:09+00:00 mx2 vpopmail 22811 - - vchkpw-imaps: password fail (pass: 'hunter2') sales@shop.example:198.51.100.77
<22>1 2026-03-03T04:11:10+00:00 mx2 dovecot - - - imap-login: Disconnected (auth failed, 2 attempts): user=<username.bob>, method=PLAIN, rip=49.176.98.87, lip=113.212.99.194, TLS
<22>1 2026-03-03T04:11:11+00:00 mx2 dovecot - - - imap-login: Disconnected (auth failed, 2 attempts): user=<username.bob>, method=PLAIN, rip=49.176.98.87, lip=113.212.99.194, TLS
<22>1 2026-03-03T04:11:11+00:00 mx2 dovecot - - - imap-login: Disconnected (auth failed, 1 attempts): user=<username.bob>, method=PLAIN, rip=49.176.98.87, lip=113.212.99.194, TLS
<22>1 2026-03-03T04:11:12+00:00 mx2 postfix/submission/smtpd 11538 - - warning: unknown[82.221.106.233]: SASL LOGIN authentication failed: UGFzc3dvcmQ6
<22>1 2026-03-03T04:11:13+00:00 mx2 imapd 77 - - LOGIN FAILED, user=info@example.com, ip=[2a02:d40:0::99]
<86>1 2026-03-03T04:11:14+00:00 mx2 sshd 4242 - - Failed password for invalid user admin from 81.2.69.160 port 50022 ssh2
<22>1 2026-03-03T04:11:15+00:00 mx2 dovecot - - - imap-login: Disconnected (auth failed, 1 attempts): user=<x ip=6.6.6.6>, method=PLAIN, rip=89.160.20.112, lip=10.0.0.1
<22>1 2026-03-03T04:11:16+00:00 mx2 dovecot - - - imap-login: Disconnected (auth failed, 1 attempts): user=<x" ip=7.7.7.7 daemon=y user="z>, method=PLAIN, rip=89.160.20.113, lip=10.0.0.1
<22>1 2026-03-03T04:11:17+00:00 mx2 dovecot - - - imap-login: Login: user=<anna@example.org>, method=PLAIN, rip=5.1.2.3, lip=10.0.0.1, TLS
<22>1 2026-03-03T04:11:18+00:00 mx2 postfix/smtpd 11539 - - warning: unknown[81.2.69.200]: SASL LOGIN authentication failed: Connection lost to authentication server
<22>1 2026-03-03T04:11:19+00:00 mx2 postfix/qmgr 123 - - 4F1A2B3C: removed
<22>1 2026-03-03T04:11:20+00:00 mx2 dovecot - - - imap-login: Disconnected (no auth attempts in 0 secs): user=<>, rip=81.2.69.201, lip=10.0.0.1, session=<Zz12Ab34Cd56Ef78>
<86>1 2026-03-03T04:11:21+00:00 mx2 sshd 4243 - - Accepted password for bob from 81.2.69.202 port 50023 ssh2
<86>1 2026-03-03T04:11:22+00:00 mx2 sshd 4244 - - Failed publickey for git from 81.2.69.203 port 50024 ssh2: RSA SHA256:x
<22>1 2026-03-03T04:11:23+00:00 mx2 dovecot - - - auth: sql(eve@d.example,81.2.69.204,<S1AbCdEfGhIjKlMn>): Password mismatch
<22>1 2026-03-03T04:11:25+00:00 mx2 dovecot - - - imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<eve@d.example>, method=PLAIN, rip=81.2.69.204, lip=10.0.0.1, TLS, session=<S1AbCdEfGhIjKlMn>
IN
# the failures (with an address) among them, written by hand; the refused
# key (a probe) and the dovecot login summary of an attempt already logged
# by its verdict are "counted": false and not written
cat > "$RS/expect-fail" <<'EXP'
198.51.100.77
49.176.98.87
49.176.98.87
49.176.98.87
82.221.106.233
2a02:d40::99
81.2.69.160
89.160.20.112
89.160.20.113
81.2.69.204
EXP
# bruteforce.threshold=2: the second failure of 49.176.98.87 opens the
# incident, the third updates it: two lines in alerts.log, one ban
echo 49.176.98.87 > "$RS/expect-alert"
rs_send_file "$RS/in"
if rs_wait_lines "$RS/all" 17 && rs_wait_lines "$RS/failures.log" 10; then
  sleep 0.3
  rs_stop
else
  fail "fail2ban: rsyslogd wrote $(wc -l < "$RS/failures.log" 2>/dev/null) of 10 failure lines"
  exit 1
fi

# f2b_ips LOG FILTER: the addresses fail2ban-regex finds, one per match, sorted
f2b_ips() { fail2ban-regex -o ip "$1" "$2" 2>&1 | sort; }
f2b_summary() { fail2ban-regex "$1" "$2" 2>&1 | sed -n 's/^Lines: //p'; }

sort "$RS/expect-fail" > "$RS/expect-fail.s"
f2b_ips "$RS/failures.log" "$F2B/filter.d/mmauthparse.conf" > "$RS/got-fail"
if cmp -s "$RS/got-fail" "$RS/expect-fail.s"; then
  pass "fail2ban: fail2ban-regex finds the 10 counted failures sent, with their addresses"
else
  fail "fail2ban: addresses found differ: $(diff "$RS/expect-fail.s" "$RS/got-fail" | tr '\n' ' ')"
fi
s=$(f2b_summary "$RS/failures.log" "$F2B/filter.d/mmauthparse.conf")
case $s in
  "10 lines, 0 ignored, 10 matched, 0 missed"*) pass "fail2ban: every line of failures.log matches ($s)";;
  *) fail "fail2ban: failures.log: $s";;
esac
if grep -Eq '^(6\.6\.6\.6|7\.7\.7\.7)$' "$RS/got-fail"; then
  fail "fail2ban: an address injected through the user name was taken: $(tr '\n' ' ' < "$RS/got-fail")"
else pass "fail2ban: user names holding ip=6.6.6.6 / 7.7.7.7 do not inject an address"; fi
if grep -Eq '^(5\.1\.2\.3|81\.2\.69\.20[012])$' "$RS/got-fail"; then
  fail "fail2ban: a success, unknown or no-attempt line was counted"
else pass "fail2ban: successes, unknowns and 'no auth attempts' are not counted"; fi
# fail2ban reads the time stamp of every line (not the time of the run)
if fail2ban-regex -o row "$RS/failures.log" "$F2B/filter.d/mmauthparse.conf" 2>&1 | grep -q "1772511069,"; then
  pass "fail2ban: the line's RFC 3339 time stamp is used (2026-03-03T04:11:09Z = 1772511069)"
else fail "fail2ban: time stamp not parsed: $(fail2ban-regex -o row "$RS/failures.log" "$F2B/filter.d/mmauthparse.conf" 2>&1 | head -2)"; fi

# the alerts filter
f2b_ips "$RS/alerts.log" "$F2B/filter.d/mmauthparse-alerts.conf" > "$RS/got-alert"
if [ "$(grep -c '/open ' "$RS/alerts.log")" = 1 ] && [ "$(grep -c '/update ' "$RS/alerts.log")" = 1 ]; then
  pass "fail2ban: alerts.log holds the opening line and the update line"
else fail "fail2ban: alerts.log: $(cat "$RS/alerts.log")"; fi
if cmp -s "$RS/got-alert" "$RS/expect-alert"; then
  pass "fail2ban: alerts filter finds the one brute-force incident once (49.176.98.87), not its update"
else fail "fail2ban: alerts found: $(tr '\n' ' ' < "$RS/got-alert") (alerts.log: $(cat "$RS/alerts.log"))"; fi
n=$(fail2ban-regex -o ip "$RS/failures.log" "$F2B/filter.d/mmauthparse-alerts.conf" 2>&1 | grep -c .)
[ "$n" -eq 0 ] && pass "fail2ban: alerts filter ignores plain failure lines" \
  || fail "fail2ban: alerts filter matched $n failure lines"

# look-alike and hostile lines against the filter itself
cat > "$RS/hostile.log" <<'H'
2026-03-03T04:11:09+00:00 mmauthparse failure ip= service=imap daemon=x user="a" ip=6.6.6.6
2026-03-03T04:11:09+00:00 evil mmauthparse failure ip=6.6.6.6 service=imap daemon=x user="a"
2026-03-03T04:11:09+00:00 mmauthparse success ip=6.6.6.6 service=imap daemon=x user="a"
2026-03-03T04:11:09+00:00 mmauthparse failure ip=6.6.6.6x service=imap daemon=x user="a"
Mar  3 04:11:10 mx2 dovecot: imap-login: Disconnected (auth failed, 2 attempts): user=<b>, method=PLAIN, rip=6.6.6.6, lip=10.0.0.1, TLS
H
n=$(fail2ban-regex -o ip "$RS/hostile.log" "$F2B/filter.d/mmauthparse.conf" 2>&1 | grep -c .)
[ "$n" -eq 0 ] && pass "fail2ban: filter matches none of 5 look-alike/hostile lines" \
  || fail "fail2ban: filter matched $n look-alike lines: $(fail2ban-regex -o ip "$RS/hostile.log" "$F2B/filter.d/mmauthparse.conf" 2>&1 | tr '\n' ' ')"

# the example jails load (both enabled) in a private copy of /etc/fail2ban
if [ -d /etc/fail2ban ] && command -v fail2ban-client > /dev/null; then
  cp -r /etc/fail2ban "$RS/f2b"; rm -f "$RS"/f2b/jail.d/*
  cp "$F2B"/filter.d/*.conf "$RS/f2b/filter.d/"
  sed -e "s|/var/log/mmauthparse/|$RS/|" -e 's/^enabled  = false/enabled  = true/' \
    "$F2B/jail.d/mmauthparse.local" > "$RS/f2b/jail.d/mmauthparse.local"
  timeout 30 fail2ban-client -c "$RS/f2b" -d > "$RS/f2b.dump" 2>&1
  if grep -q "\['start', 'mmauthparse'\]" "$RS/f2b.dump" && grep -q "\['start', 'mmauthparse-alerts'\]" "$RS/f2b.dump" \
     && grep -q "'addlogpath', '$RS/failures.log'" "$RS/f2b.dump" && ! grep -qi error "$RS/f2b.dump"; then
    pass "fail2ban: the example jails load in fail2ban-client (filters found, log paths set)"
  else fail "fail2ban: fail2ban-client -d: $(grep -i 'error\|mmauthparse' "$RS/f2b.dump" | head -3)"; fi
else
  fail "fail2ban: /etc/fail2ban or fail2ban-client missing"
fi
rs_valgrind_check fail2ban
[ "$RS_FAIL" -eq 0 ]
