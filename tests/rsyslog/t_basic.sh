#!/usr/bin/env bash
# A real rsyslogd with the module: auth lines of several daemons get $!auth,
# everything else passes through untouched, passwords are cut out of the
# message, the tag (not programname) chooses the family.
# SPDX-License-Identifier: Apache-2.0
. "$TOP_SRCDIR/tests/rsyslog/lib.sh"
trap rs_cleanup EXIT
rs_new basic
rs_conf 'detect="off"'
rs_start || { fail "basic: rsyslogd start"; exit 1; }

cat > "$RS/in" <<'IN'
<22>Mar  3 04:11:09 mx2 vpopmail[22811]: vchkpw-imaps: password fail (pass: 'hunter2') sales@shop.example:198.51.100.77
<22>Mar  3 04:11:10 mx2 postfix/qmgr[123]: 4F1A2B3C: removed
<22>Jul  6 10:21:52 srv vpopmail[18917: vchkpw-smtp: (CRAM-MD5) login success user@my_domain:81.2.69.160
<6>Mar  3 04:11:11 mx2 kernel: vchkpw-pop3: password fail user1@xxxx.com:192.168.2.1
<22>Jun 13 16:30:54 platypus dovecot: imap-login: Disconnected (auth failed, 2 attempts): user=<username.bob>, method=PLAIN, rip=49.176.98.87, lip=113.212.99.194, TLS
<22>Sep  6 00:44:56 trianon postfix/submission/smtpd[11538]: warning: unknown[82.221.106.233]: SASL LOGIN authentication failed: UGFzc3dvcmQ6
<22>Jun  9 09:04:16 www vpopmail[65851]: vchkpw-pop3: vpopmail user not found myuserid@:2001:db8::7
<22>Mar  3 04:11:12 mx2 cron[99]: (root) CMD (run-parts /etc/cron.hourly)
IN
cat > "$RS/expect" <<'EXP'
vchkpw-imaps: password fail (pass: [REDACTED]) sales@shop.example:198.51.100.77	{"kind":"auth","outcome":"failure","reason":"bad_password","daemon":"vpopmail","service":"imap","tls":true,"user":"sales@shop.example","domain":"shop.example","ip":"198.51.100.77","password_redacted":true,"geo":{"scope":"reserved"}}
4F1A2B3C: removed	
vchkpw-smtp: (CRAM-MD5) login success user@my_domain:81.2.69.160	{"kind":"auth","outcome":"success","daemon":"vpopmail","service":"smtp","mech":"CRAM-MD5","user":"user@my_domain","domain":"my_domain","ip":"81.2.69.160","geo":{"scope":"public"}}
vchkpw-pop3: password fail user1@xxxx.com:192.168.2.1	
imap-login: Disconnected (auth failed, 2 attempts): user=<username.bob>, method=PLAIN, rip=49.176.98.87, lip=113.212.99.194, TLS	{"kind":"auth","outcome":"failure","daemon":"dovecot","service":"imap","tls":true,"mech":"PLAIN","user":"username.bob","ip":"49.176.98.87","server_ip":"113.212.99.194","attempts":2,"geo":{"scope":"public"}}
warning: unknown[82.221.106.233]: SASL LOGIN authentication failed: UGFzc3dvcmQ6	{"kind":"auth","outcome":"failure","daemon":"postfix","service":"submission","mech":"LOGIN","ip":"82.221.106.233","geo":{"scope":"public"}}
vchkpw-pop3: vpopmail user not found myuserid@:2001:db8::7	{"kind":"auth","outcome":"failure","reason":"unknown_user","daemon":"vpopmail","service":"pop3","user":"myuserid","ip":"2001:db8::7","geo":{"scope":"reserved"}}
(root) CMD (run-parts /etc/cron.hourly)	
EXP
rs_send_file "$RS/in"
if rs_wait_lines "$RS/out" 8; then
  rs_stop
  python3 "$TOP_SRCDIR/tests/rsyslog/expect.py" basic "$RS/out" "$RS/expect" | tee "$RS/result"
  RS_PASS=$((RS_PASS + $(grep -c '^PASS' "$RS/result"))); RS_FAIL=$((RS_FAIL + $(grep -c '^FAIL' "$RS/result")))
  if grep -q hunter2 "$RS/out" "$RS"/work/* 2>/dev/null; then fail "basic: the password reached an output file"
  else pass "basic: the password appears in no output file"; fi
else
  fail "basic: rsyslogd wrote $(wc -l < "$RS/out" 2>/dev/null) of 8 lines"
fi
rs_valgrind_check basic
[ "$RS_FAIL" -eq 0 ]
