#!/usr/bin/env bash
# Detection windows run on the message's own time stamp: two failures five
# minutes apart (by their stamps, sent within a second) do not reach a
# bruteforce threshold of 2 in 60 s; a third 30 s after the second does.
# SPDX-License-Identifier: Apache-2.0
. "$TOP_SRCDIR/tests/rsyslog/lib.sh"
trap rs_cleanup EXIT
rs_new time
rs_conf 'bruteforce.threshold="2" bruteforce.window="60" dictionary.threshold="0" distributed.threshold="0" compromise.threshold="0"'
rs_start || { fail "time: start"; exit 1; }
l() { echo "<22>Mar  3 $1 mx2 vpopmail[9]: vchkpw-pop3: password fail bob@example.org:81.2.69.160"; }
rs_send "$(l 04:00:00)" "$(l 04:05:00)" "$(l 04:05:30)"
rs_wait_lines "$RS/out" 3 || { fail "time: output"; exit 1; }
got=$(python3 - "$RS/out" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    ev = json.loads(l.rstrip('\n').split('\t', 1)[1])
    print(ev.get('alert', {}).get('bruteforce', {}).get('count', '-'), end=' ')
PY
)
if [ "$got" = "- - 2 " ]; then pass "time: windows follow the messages' stamps (alerts: $got)"
else fail "time: alerts per event '$got', want '- - 2 '"; fi
rs_valgrind_check time
[ "$RS_FAIL" -eq 0 ]
