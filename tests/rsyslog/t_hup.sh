#!/usr/bin/env bash
# HUP in a real rsyslogd: a geo database replaced by garbage keeps the old
# data (and one error is logged), one replaced by a new valid file serves
# the new data; detection state survives HUP, and a restart with
# detect.stateFile.
# SPDX-License-Identifier: Apache-2.0
. "$TOP_SRCDIR/tests/rsyslog/lib.sh"
trap rs_cleanup EXIT
rs_new hup
perl "$TOP_SRCDIR/tests/geo/mkfixture.pl" "$RS/fx" > /dev/null || { fail "hup: fixtures"; exit 1; }
cp "$RS/fx/geoip2-city.mmdb" "$RS/city.mmdb"
# 89.160.20.0/24 is Linköping, SE in geoip2-city.mmdb and Oslo, NO in geoip2-city-v2.mmdb
params="geoip.files=[\"$RS/city.mmdb\"] bruteforce.threshold=\"5\" bruteforce.window=\"3600\" detect.stateFile=\"$RS/state\""
rs_conf "$params"
rs_start || { fail "hup: start"; exit 1; }

line() { echo "<22>Mar  3 04:1$1:0$2 mx2 vpopmail[99]: vchkpw-pop3: password fail bob@example.org:$3"; }
# field N FIELD: a field of the Nth output event
field() { python3 - "$RS/out" "$1" "$2" <<'PY'
import json, sys
rows = [l.rstrip('\n').split('\t', 1) for l in open(sys.argv[1]) if l.strip()]
ev = json.loads(rows[int(sys.argv[2]) - 1][1])
v = ev
for k in sys.argv[3].split('.'):
    v = v.get(k, {}) if isinstance(v, dict) else {}
print(v if v != {} else "")
PY
}
wait_log() {  # wait for a pattern in rsyslogd's own log
  for _ in $(seq 1 200); do grep -q "$1" "$RS/internal.log" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}
check() { if [ "$2" = "$3" ]; then pass "hup: $1 ($2)"; else fail "hup: $1: got '$2', want '$3'"; fi; }

rs_send "$(line 0 1 89.160.20.112)" "$(line 0 2 89.160.20.112)"
rs_wait_lines "$RS/out" 2
check "country before any HUP" "$(field 2 geo.country)" SE

# garbage replaces the file (by rename, as geoipupdate does): old data stays
printf 'this is not a MaxMind database\n' > "$RS/garbage"; mv "$RS/garbage" "$RS/city.mmdb"
rs_hup
if wait_log "reload of '$RS/city.mmdb' failed"; then pass "hup: a bad file is reported, naming it"
else fail "hup: no error logged for the bad file"; fi
rs_send "$(line 1 1 89.160.20.112)"
rs_wait_lines "$RS/out" 3
check "country after a HUP with a garbage file" "$(field 3 geo.country)" SE
check "city after a HUP with a garbage file" "$(field 3 geo.city)" "Linköping"

# a new valid file: new data
cp "$RS/fx/geoip2-city-v2.mmdb" "$RS/new.mmdb"; mv "$RS/new.mmdb" "$RS/city.mmdb"
rs_hup
wait_log "geoip: reloaded 1 of 1" || fail "hup: no reload message"
rs_send "$(line 2 1 89.160.20.112)"
rs_wait_lines "$RS/out" 4
check "country after a HUP with a new file" "$(field 4 geo.country)" NO
check "bruteforce alert on the 4th failure" "$(field 4 alert.bruteforce.count)" ""
rs_send "$(line 3 1 89.160.20.112)"
rs_wait_lines "$RS/out" 5
check "detection state kept across two HUPs: 5th failure alerts" "$(field 5 alert.bruteforce.count)" 5

# restart: the state file carries the count
rs_stop
if [ -s "$RS/state" ]; then pass "hup: state file written at shutdown"; else fail "hup: no state file"; fi
rs_start || { fail "hup: restart"; exit 1; }
rs_send "$(line 4 1 89.160.20.112)"
rs_wait_lines "$RS/out" 6
check "after a restart with detect.stateFile: 6th failure alerts" "$(field 6 alert.bruteforce.count)" 6
rs_valgrind_check hup
[ "$RS_FAIL" -eq 0 ]
