#!/usr/bin/env bash
# An optional resource never switches the module off: a real rsyslogd whose
# geoip.files names a file that is not there still loads the action and
# says so in its log, naming the file; events still come out, with the
# password cut out of the message and the address scope; once the database
# is copied into place, HUP loads it and events carry the country.
#
# SPDX-License-Identifier: Apache-2.0
. "$TOP_SRCDIR/tests/rsyslog/lib.sh"
trap rs_cleanup EXIT
rs_new nogeo
perl "$TOP_SRCDIR/tests/geo/mkfixture.pl" "$RS/fx" > /dev/null || { fail "nogeo: fixtures"; exit 1; }
db=$RS/geo/city.mmdb # its directory is there, the file not yet
mkdir -p "$RS/geo"
rs_conf "detect=\"off\" geoip.files=[\"$db\"]"
rs_start || { fail "nogeo: rsyslogd did not start with a missing geoip file"; exit 1; }
pass "nogeo: rsyslogd starts with a missing geoip file"

wait_log() { # a fixed string in rsyslogd's own log
  for _ in $(seq 1 200); do grep -qF -- "$1" "$RS/internal.log" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}
# field N FIELD: a field of the Nth output line's event ("" when absent,
# "-" when the line carries no event)
field() { python3 - "$RS/out" "$1" "$2" <<'PY'
import json, sys
rows = [l.rstrip('\n').split('\t', 1) for l in open(sys.argv[1], encoding='utf-8') if l.strip()]
row = rows[int(sys.argv[2]) - 1]
if len(row) < 2 or not row[1].strip():
    print("-"); sys.exit()
v = json.loads(row[1])
for k in sys.argv[3].split('.'):
    v = v.get(k, {}) if isinstance(v, dict) else {}
print(v if v != {} else "")
PY
}
msg() { python3 - "$RS/out" "$1" <<'PY'
import sys
rows = [l.rstrip('\n').split('\t', 1) for l in open(sys.argv[1], encoding='utf-8') if l.strip()]
print(rows[int(sys.argv[2]) - 1][0].strip())
PY
}
check() { if [ "$2" = "$3" ]; then pass "nogeo: $1 ($2)"; else fail "nogeo: $1: got '$2', want '$3'"; fi; }

if wait_log "geoip.files: cannot use '$db'"; then
  pass "nogeo: the log names the missing file"
else
  fail "nogeo: no warning naming $db in rsyslogd's log"
fi
if grep -qF "running without it" "$RS/internal.log" 2>/dev/null; then
  pass "nogeo: the log says the action runs without it"
else
  fail "nogeo: the warning does not say the action runs without the file"
fi

vp() { echo "<22>Mar  3 04:11:0$1 mx2 vpopmail[99]: $2"; }
rs_send "$(vp 1 "vchkpw-pop3: password fail (pass: 'Secret123') u@example.com:81.2.69.160")" \
  "$(vp 2 "vchkpw-pop3: password fail bob@example.org:89.160.20.112")"
rs_wait_lines "$RS/out" 2 || { fail "nogeo: rsyslogd wrote $(wc -l < "$RS/out" 2>/dev/null) of 2 lines"; exit 1; }
check "an event without the database" "$(field 1 outcome)" failure
check "its address" "$(field 1 ip)" 81.2.69.160
check "geo.scope without the database" "$(field 1 geo.scope)" public
check "no country without the database" "$(field 2 geo.country)" ""
check "the password is cut out of the message" "$(msg 1)" \
  "vchkpw-pop3: password fail (pass: [REDACTED]) u@example.com:81.2.69.160"
check "password_redacted" "$(field 1 password_redacted)" True

# the database arrives (by rename, as geoipupdate does); HUP loads it
cp "$RS/fx/geoip2-city.mmdb" "$RS/geo/new.mmdb" && mv "$RS/geo/new.mmdb" "$db"
rs_hup
if wait_log "geoip: reloaded 1 of 1"; then pass "nogeo: HUP loads the database now there"
else fail "nogeo: no reload message after HUP"; fi
rs_send "$(vp 3 "vchkpw-pop3: password fail bob@example.org:89.160.20.112")" \
  "$(vp 4 "vchkpw-pop3: password fail (pass: 'Secret123') u@example.com:81.2.69.160")"
rs_wait_lines "$RS/out" 4 || { fail "nogeo: rsyslogd wrote $(wc -l < "$RS/out" 2>/dev/null) of 4 lines"; exit 1; }
check "country after HUP" "$(field 3 geo.country)" SE
check "city after HUP" "$(field 3 geo.city)" "Linköping"
check "geo.scope after HUP" "$(field 4 geo.scope)" public
check "the password is cut out after HUP" "$(msg 4)" \
  "vchkpw-pop3: password fail (pass: [REDACTED]) u@example.com:81.2.69.160"

rs_stop
if grep -rqF Secret123 "$RS/out" "$RS/internal.log" "$RS/stdout" "$RS/work" 2>/dev/null; then
  fail "nogeo: the password reached an output file"
else
  pass "nogeo: the password appears in no output file"
fi
rs_valgrind_check nogeo
[ "$RS_FAIL" -eq 0 ]
