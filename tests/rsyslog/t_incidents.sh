#!/usr/bin/env bash
# Incidents against a real rsyslogd: four failures from one address open a
# bruteforce incident (threshold 3, window 2 s) and update it; two seconds
# of detection time after the last one the incident closes, and the close
# event arrives as a message of its own in the ruleset incidents.ruleset
# names (never in the action's own ruleset); impstats counts one opened and
# one closed.  The lines carry their own RFC 3339 time stamps, so every
# expected time below is written from the lines; the detection clock goes
# on with the wall clock once the lines stop, which is what closes the
# incident a few seconds later.
# SPDX-License-Identifier: Apache-2.0
. "$TOP_SRCDIR/tests/rsyslog/lib.sh"
trap rs_cleanup EXIT
rs_new incidents
T=30; [ "${RS_VALGRIND:-0}" = 1 ] && T=120

cat > "$RS/rsyslog.conf" <<CONF
global(workDirectory="$RS/work" maxMessageSize="64k")
module(load="impstats" interval="1" format="json" log.syslog="off" log.file="$RS/stats" resetCounters="off")
module(load="imptcp")
module(load="$MODULE")
template(name="out" type="string" string="%msg%\t%\$!auth%\n")
template(name="inc" type="string" string="%syslogtag%\t%syslogfacility-text%.%syslogseverity-text%\t%inputname%\t%msg%\t%\$!auth%\n")
input(type="imptcp" address="127.0.0.1" port="0" listenPortFileName="$RS/port" ruleset="main")
ruleset(name="main") {
  action(type="mmauthparse" bruteforce.threshold="3" bruteforce.window="2" dictionary.threshold="0"
         distributed.threshold="0" compromise.threshold="0" insecure="off"
         incidents.ruleset="incidents")
  action(type="omfile" file="$RS/out" template="out")
}
# defined after the action that names it
ruleset(name="incidents") {
  action(type="omfile" file="$RS/incidents" template="inc")
}
CONF

cat > "$RS/in" <<'IN'
<38>2026-03-03T04:11:01Z mx2 vpopmail[1]: vchkpw-pop3: password fail a@x.example:81.2.69.160
<38>2026-03-03T04:11:02Z mx2 vpopmail[2]: vchkpw-pop3: password fail b@x.example:81.2.69.160
<38>2026-03-03T04:11:02Z mx2 vpopmail[3]: vchkpw-pop3: password fail c@x.example:81.2.69.160
<38>2026-03-03T04:11:03Z mx2 vpopmail[4]: vchkpw-imap: password fail a@x.example:81.2.69.160
IN

rs_start || { fail "incidents: rsyslogd start"; exit 1; }
rs_send_file "$RS/in"
if ! rs_wait_lines "$RS/out" 4 "$T"; then
  fail "incidents: rsyslogd wrote $(wc -l < "$RS/out" 2>/dev/null) of 4 lines"; exit 1
fi
if ! rs_wait_lines "$RS/incidents" 1 "$T"; then
  fail "incidents: no close message within $T s"; exit 1
fi
sleep 2.5 # one more impstats interval; nothing else may close
rs_stop

python3 - "$RS/out" "$RS/incidents" "$RS/stats" <<'PY'
import json, sys
out = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
inc = [l.rstrip("\n").split("\t") for l in open(sys.argv[2]) if l.strip()]
bad = 0
def check(name, ok, why=""):
    global bad
    print(("PASS" if ok else "FAIL") + " incidents: " + name + ("" if ok else ": " + why))
    bad += 0 if ok else 1
ev = [json.loads(l[1]) for l in out]
check("four events in the action's ruleset, no close message there",
      len(out) == 4 and all(e.get("kind") == "auth" for e in ev), repr(out))
check("below the threshold: no alert", "alert" not in ev[0] and "alert" not in ev[1],
      json.dumps(ev[:2]))
a3 = ev[2].get("alert", {}).get("bruteforce", {})
i3 = a3.get("incident", {})
check("the third failure opens the incident",
      a3.get("count") == 3 and i3.get("state") == "open" and i3.get("count") == 3
      and i3.get("first_seen") == "2026-03-03T04:11:01Z"
      and i3.get("last_seen") == "2026-03-03T04:11:02Z"
      and len(i3.get("id", "")) == 16, json.dumps(ev[2]))
i4 = ev[3].get("alert", {}).get("bruteforce", {}).get("incident", {})
check("the fourth updates it, same id",
      i4.get("state") == "update" and i4.get("id") == i3.get("id") and i4.get("count") == 4
      and i4.get("first_seen") == "2026-03-03T04:11:01Z"
      and i4.get("last_seen") == "2026-03-03T04:11:03Z", json.dumps(ev[3]))
check("one close message", len(inc) == 1, repr(inc))
tag, pri, iname, msg, js = inc[0]
c = json.loads(js)
want = {"kind": "incident", "state": "close", "detector": "bruteforce", "key": "ip",
        "ip": "81.2.69.160", "id": i3.get("id"), "first_seen": "2026-03-03T04:11:01Z",
        "last_seen": "2026-03-03T04:11:03Z", "count": 4, "window": 2}
check("the close event in the container", c == want,
      json.dumps(c, sort_keys=True) + " want " + json.dumps(want, sort_keys=True))
check("the close message's tag, priority, input name and text",
      tag == "mmauthparse:" and pri == "auth.notice" and iname == "mmauthparse"
      and msg.strip() == "incident closed: bruteforce ip=81.2.69.160 count=4 window=2",
      repr(inc[0][:4]))
recs = [json.loads(l[l.index("{"):]) for l in open(sys.argv[3]) if '"mmauthparse"' in l]
last = recs[-1] if recs else {}
check("impstats: incidents.opened.bruteforce = 1, incidents.closed.bruteforce = 1",
      int(last.get("incidents.opened.bruteforce", -1)) == 1
      and int(last.get("incidents.closed.bruteforce", -1)) == 1
      and int(last.get("incidents.opened.dictionary", -1)) == 0, json.dumps(last))
sys.exit(1 if bad else 0)
PY
[ $? -eq 0 ] || RS_FAIL=$((RS_FAIL + 1))
rs_valgrind_check incidents
[ "$RS_FAIL" -eq 0 ]
