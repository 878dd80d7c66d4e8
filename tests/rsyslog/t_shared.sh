#!/usr/bin/env bash
# The string values of $!auth are shared between messages (one worker's
# cache, core/event.h): RainerScript changing one message's event must
# leave every other message's alone.  Three lines of the same user and
# address go through one worker; the first gets `set $!auth!geo!note`
# (written into its geo object), `set $!auth!user` and
# `set $!auth!geo!country` (its members replaced) and `unset $!auth!ip`;
# the second and third must come out exactly as without the script.  Then
# the `fields` parameter: the members chosen, no more, with rsyslogd.
# SPDX-License-Identifier: Apache-2.0
. "$TOP_SRCDIR/tests/rsyslog/lib.sh"
trap rs_cleanup EXIT
rs_new shared
mkdir -p "$RS/geo"
perl "$TOP_SRCDIR/tests/geo/mkfixture.pl" "$RS/geo" || { fail "shared: geo fixture"; exit 1; }
GEO="geoip.files=[\"$RS/geo/geoip2-city.mmdb\"]"

cat > "$RS/in" <<'IN'
<22>Mar  3 04:11:09 mx2 vpopmail[111]: vchkpw-pop3: password fail bob@x.example:89.160.20.112
<22>Mar  3 04:11:10 mx2 vpopmail[222]: vchkpw-pop3: password fail bob@x.example:89.160.20.112
<22>Mar  3 04:11:11 mx2 vpopmail[333]: vchkpw-pop3: password fail bob@x.example:89.160.20.112
IN
EV='{"kind":"auth","outcome":"failure","reason":"bad_password","daemon":"vpopmail","service":"pop3","user":"bob@x.example","domain":"x.example","ip":"89.160.20.112","geo":{"scope":"public","country":"SE","country_name":"Sweden","city":"Linköping","lat":58.4167,"lon":15.6167}}'
CHANGED='{"kind":"auth","outcome":"failure","reason":"bad_password","daemon":"vpopmail","service":"pop3","user":"changed","domain":"x.example","geo":{"scope":"public","country":"XX","country_name":"Sweden","city":"Linköping","lat":58.4167,"lon":15.6167,"note":"first only"}}'
M='vchkpw-pop3: password fail bob@x.example:89.160.20.112'
printf '%s\t%s\n%s\t%s\n%s\t%s\n' "$M" "$CHANGED" "$M" "$EV" "$M" "$EV" > "$RS/expect"

# one worker, so that the three events share the worker's cache
rs_conf "detect=\"off\" $GEO" '
main_queue(queue.workerThreads="1")'
# the script runs between the module and the output: put it into the ruleset
python3 - "$RS/rsyslog.conf" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace('  action(type="omfile" file=', '''  if $procid == "111" then {
    set $!auth!geo!note = "first only";
    set $!auth!user = "changed";
    set $!auth!geo!country = "XX";
    unset $!auth!ip;
  }
  action(type="omfile" file=''', 1)
open(p, "w").write(s)
PY
rs_start || { fail "shared: rsyslogd start"; exit 1; }
rs_send_file "$RS/in"
if rs_wait_lines "$RS/out" 3; then
  rs_stop
  python3 "$TOP_SRCDIR/tests/rsyslog/expect.py" shared "$RS/out" "$RS/expect" | tee "$RS/result"
  RS_PASS=$((RS_PASS + $(grep -c '^PASS' "$RS/result"))); RS_FAIL=$((RS_FAIL + $(grep -c '^FAIL' "$RS/result")))
else
  fail "shared: rsyslogd wrote $(wc -l < "$RS/out" 2>/dev/null) of 3 lines"
fi
rs_valgrind_check shared
rs_stop

# fields: five members, in the contract's order whatever the parameter's
rm -f "$RS/out" "$RS/port"
FIVE='{"outcome":"failure","user":"bob@x.example","ip":"89.160.20.112","geo":{"country":"SE"}}'
printf '%s\t%s\n%s\t%s\n%s\t%s\n' "$M" "$FIVE" "$M" "$FIVE" "$M" "$FIVE" > "$RS/expect"
rs_conf "detect=\"off\" $GEO fields=[\"geo!country\", \"ip\", \"user\", \"outcome\", \"alert\"]"
rs_start || { fail "fields: rsyslogd start"; exit 1; }
rs_send_file "$RS/in"
if rs_wait_lines "$RS/out" 3; then
  rs_stop
  python3 "$TOP_SRCDIR/tests/rsyslog/expect.py" fields "$RS/out" "$RS/expect" | tee "$RS/result"
  RS_PASS=$((RS_PASS + $(grep -c '^PASS' "$RS/result"))); RS_FAIL=$((RS_FAIL + $(grep -c '^FAIL' "$RS/result")))
else
  fail "fields: rsyslogd wrote $(wc -l < "$RS/out" 2>/dev/null) of 3 lines"
fi
rs_valgrind_check fields
rs_stop

# a name that is no member: rsyslogd -N1 refuses the configuration and says which
rs_conf "detect=\"off\" fields=[\"user\", \"usr\"]"
if "$RSYSLOGD" -N1 -f "$RS/rsyslog.conf" > "$RS/n1" 2>&1; then
  fail "fields: rsyslogd -N1 accepted fields=[\"usr\"]"
elif grep -q "'usr' is not a member of the event" "$RS/n1"; then
  pass "fields: an unknown member is a configuration error naming it"
else
  fail "fields: -N1 failed without naming the member: $(head -c 300 "$RS/n1")"
fi
[ "$RS_FAIL" -eq 0 ]
