#!/usr/bin/env bash
# input="event": two rsyslogd.  An edge recognises the lines (detection
# off) and forwards each event as a JSON message body to one of two
# aggregators, chosen by fmhash's hash64mod of the address in an if/else
# chain of omfwd actions (the rsyslog-native way to partition the keys);
# the two aggregators are two inputs of the second rsyslogd, each with its
# own ruleset and mmauthparse action input="event" (bruteforce at 3): one
# reads the event from the message body, the other from the container
# (parse_json fills it first).  The aggregator's events must be the edge's
# events, the same address always at the same aggregator, and the third
# failure of an address must carry the aggregator's alert.  A forwarded
# incident and plain text pass the aggregator untouched.
# SPDX-License-Identifier: Apache-2.0
. "$TOP_SRCDIR/tests/rsyslog/lib.sh"
trap 'rs_cleanup; RS=$AGG RS_PID=$AGG_PID rs_cleanup' EXIT

# --- the aggregator: two inputs, two rulesets, two actions ---------------
rs_new event-agg
AGG=$RS
cat > "$RS/rsyslog.conf" <<CONF
global(workDirectory="$RS/work" maxMessageSize="64k")
module(load="imptcp")
module(load="$MODULE")
template(name="mmap_out" type="string" string="%msg%\t%\$!auth%\n")
input(type="imptcp" address="127.0.0.1" port="0" listenPortFileName="$RS/port" ruleset="agg0")
input(type="imptcp" address="127.0.0.1" port="0" listenPortFileName="$RS/port1" ruleset="agg1")
ruleset(name="agg0") {
  action(type="mmauthparse" input="event" bruteforce.threshold="3" dictionary.threshold="0"
         distributed.threshold="0" compromise.threshold="0")
  action(type="omfile" file="$RS/out0" template="mmap_out")
}
ruleset(name="agg1") {
  set \$.r = parse_json(\$msg, "\\\$!auth");
  action(type="mmauthparse" input="event" bruteforce.threshold="3" dictionary.threshold="0"
         distributed.threshold="0" compromise.threshold="0")
  action(type="omfile" file="$RS/out1" template="mmap_out")
}
CONF
rs_start || { fail "event: aggregator start"; exit 1; }
AGG_PID=$RS_PID
AGG_PORT0=$RS_PORT
i=0; while [ ! -s "$RS/port1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
AGG_PORT1=$(cat "$RS/port1")

# --- the edge: recognise, forward by a hash of the address ----------------
rs_new event-edge
cat > "$RS/rsyslog.conf" <<CONF
global(workDirectory="$RS/work" maxMessageSize="64k")
module(load="imptcp")
module(load="fmhash")
module(load="$MODULE")
template(name="mmap_out" type="string" string="%msg%\t%\$!auth%\n")
# the event as the message body of an RFC 5424 message: the time stamp is
# the original line's, the app name says what it is
template(name="mmauthparse_event" type="string"
         string="<%PRI%>1 %TIMESTAMP:::date-rfc3339% %HOSTNAME% mmauthparse - - - %\$!auth%\n")
input(type="imptcp" address="127.0.0.1" port="0" listenPortFileName="$RS/port" ruleset="edge")
ruleset(name="edge") {
  action(type="mmauthparse" detect="off")
  action(type="omfile" file="$RS/out" template="mmap_out")
  if \$!auth!kind != "" then {
    set \$.part = hash64mod(\$!auth!ip, 2);
    if \$.part == 0 then
      action(type="omfwd" target="127.0.0.1" port="$AGG_PORT0" protocol="tcp" template="mmauthparse_event")
    else
      action(type="omfwd" target="127.0.0.1" port="$AGG_PORT1" protocol="tcp" template="mmauthparse_event")
  }
}
CONF
rs_start || { fail "event: edge start"; exit 1; }
EDGE=$RS

cat > "$RS/in" <<'IN'
<22>Mar  3 04:11:01 mx1 vpopmail[1]: vchkpw-pop3: password fail (pass: 'hunter2') admin@corp.example:198.51.100.7
<22>Mar  3 04:11:02 mx1 dovecot: imap-login: Disconnected (auth failed, 1 attempts): user=<x@corp.example>, method=PLAIN, rip=203.0.113.9, lip=10.0.0.1, TLS
<22>Mar  3 04:11:03 mx1 vpopmail[1]: vchkpw-pop3: password fail admin@corp.example:198.51.100.7
<22>Mar  3 04:11:04 mx1 postfix/qmgr[1]: 4F1A2B3C: removed
<22>Mar  3 04:11:05 mx1 dovecot: imap-login: Disconnected (auth failed, 1 attempts): user=<y@corp.example>, method=PLAIN, rip=203.0.113.9, lip=10.0.0.1, TLS
<22>Mar  3 04:11:06 mx1 vpopmail[1]: vchkpw-imap: password fail admin@corp.example:198.51.100.7
<22>Mar  3 04:11:07 mx1 dovecot: imap-login: Login: user=<anna@corp.example>, method=PLAIN, rip=192.0.2.50, lip=10.0.0.1, TLS, session=<Xy12Ab34Cd56Ef78>
IN
rs_send_file "$RS/in"
rs_wait_lines "$RS/out" 7 || fail "event: the edge wrote $(wc -l < "$RS/out") of 7 lines"
# to the aggregator directly: an incident (not an event for detection) and
# plain text
exec 3<>"/dev/tcp/127.0.0.1/$AGG_PORT0"
printf '%s\n' '<13>1 2026-03-03T04:12:00Z mx1 mmauthparse - - - {"kind":"incident","scope":"cluster","state":"open","detector":"bruteforce","key":"ip","ip":"198.51.100.7","count":27,"threshold":27,"window":600}' >&3
printf '%s\n' '<13>1 2026-03-03T04:12:01Z mx1 app - - - just text, {not json' >&3
# a forged event: the edge's JSON under another program's tag (anyone who
# can log can write it), three times, at the bruteforce threshold of 3
for s in 1 2 3; do
  printf '%s\n' "<13>1 2026-03-03T04:12:0${s}Z mx1 forger - - - {\"kind\":\"auth\",\"outcome\":\"failure\",\"daemon\":\"sshd\",\"service\":\"ssh\",\"user\":\"root\",\"ip\":\"192.0.2.66\"}" >&3
done
# the same in RFC 3164 with the edge's tag: read
printf '%s\n' '<13>Mar  3 04:12:05 mx1 mmauthparse: {"kind":"auth","outcome":"failure","daemon":"sshd","service":"ssh","user":"root","ip":"192.0.2.67"}' >&3
exec 3>&-
i=0
while [ $(( $(cat "$AGG/out0" "$AGG/out1" 2>/dev/null | wc -l) )) -lt 12 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.5
RS=$AGG RS_PID=$AGG_PID rs_stop
rs_stop
python3 - "$EDGE/out" "$AGG/out0" "$AGG/out1" > "$EDGE/result" <<'PY'
import json, sys
def rows(f):
    out = []
    for l in open(f, encoding="utf-8"):
        msg, _, js = l.rstrip("\n").partition("\t")
        out.append((msg.strip(), json.loads(js) if js.strip() else None))
    return out
edge = [e for _, e in rows(sys.argv[1]) if e]
aggs = [rows(sys.argv[2]), rows(sys.argv[3])]
bad = 0
def ok(c, what):
    global bad
    print(("PASS" if c else "FAIL") + " event: " + what)
    bad += not c
ok(len(edge) == 6, f"the edge recognised 6 events ({len(edge)})")
evs = [(i, e) for i in (0, 1) for _, e in aggs[i]
       if e and e.get("kind") in ("auth", "block") and e.get("ip") != "192.0.2.67"]
ok(len(evs) == 6, f"the aggregators got the 6 events ({len(evs)})")
# every event as the edge wrote it, alert aside
def strip(e):
    return {k: v for k, v in e.items() if k not in ("alert", "related")}
ok(sorted(json.dumps(strip(e), sort_keys=True) for _, e in evs) ==
   sorted(json.dumps(e, sort_keys=True) for e in edge), "each aggregator event is the edge's event")
part = {}
for i, e in evs:
    part.setdefault(e.get("ip"), set()).add(i)
ok(all(len(v) == 1 for v in part.values()), f"an address always goes to the same aggregator {part}")
bf = [e for i, e in evs if e.get("ip") == "198.51.100.7"]
alerts = [e.get("alert") for e in bf]
third = (alerts[2] or {}).get("bruteforce", {}) if len(alerts) == 3 else {}
ok(alerts[:2] == [None, None] and {k: third.get(k) for k in ("count", "threshold", "window")}
   == {"count": 3, "threshold": 3, "window": 600}
   and third.get("incident", {"state": "open"}).get("state") == "open" and list(alerts[2]) == ["bruteforce"],
   f"the aggregator's detection: the third failure of 198.51.100.7 fires ({alerts})")
ok(all("alert" not in e for i, e in evs if e.get("ip") != "198.51.100.7"), "no other alert")
ok(any(e.get("password_redacted") for e in bf) and not any("hunter2" in json.dumps(e) for _, e in evs),
   "the edge's redaction travels, the password does not")
# the incident and the text passed the aggregator (port 0) untouched
inc = [(m, e) for m, e in aggs[0] if "incident" in m or "just text" in m]
ok(len(inc) == 2 and all(e is None for _, e in inc),
   f"an incident and plain text pass untouched ({inc})")
forged = [(m, e) for m, e in aggs[0] if "192.0.2.66" in m]
ok(len(forged) == 3 and all(e is None for _, e in forged),
   f"a JSON body under another tag is not read as an event ({forged})")
tagged = [e for m, e in aggs[0] if "192.0.2.67" in m]
ok(len(tagged) == 1 and tagged[0] is not None and tagged[0].get("ip") == "192.0.2.67"
   and tagged[0].get("outcome") == "failure", f"the same body under the tag mmauthparse: is ({tagged})")
sys.exit(1 if bad else 0)
PY
cat "$EDGE/result"
RS_PASS=$((RS_PASS + $(grep -c '^PASS' "$EDGE/result"))); RS_FAIL=$((RS_FAIL + $(grep -c '^FAIL' "$EDGE/result")))
RS=$AGG rs_valgrind_check event
[ "$RS_FAIL" -eq 0 ]
