#!/usr/bin/env bash
# The cluster tier's incidents through the shipped templates and the
# fail2ban filter: a real rsyslogd with the cluster tier on a private
# redis-server (local detection off), a brute force from 198.51.100.7 and a
# distributed attack on boss@corp.example, each crossing its cluster
# threshold of 3; the incidents go to cluster.ruleset, which writes them
# with the native, ECS, OCSF (Detection Finding), Splunk (CIM Intrusion
# Detection) and fail2ban templates.  Every output is checked against
# values written by hand from the input lines and the documented mappings;
# fail2ban-regex with the alerts filter finds the address, once.
# SPDX-License-Identifier: Apache-2.0
. "$TOP_SRCDIR/tests/rsyslog/lib.sh"
. "$TOP_SRCDIR/tests/redis.sh"
if ! redis_have; then
  echo "cluster_conf: redis-server not installed (scripts/setup.sh): skipped"
  exit 0
fi
if grep -q "this build has no cluster tier" "$MODULE"; then
  echo "cluster_conf: the module was built without hiredis: skipped"
  exit 0
fi
trap 'rs_cleanup; redis_cleanup' EXIT
redis_start clconf || { fail "cluster_conf: redis-server start"; exit 1; }
rs_new clconf
T=$TOP_SRCDIR/conf/templates
cat > "$RS/rsyslog.conf" <<CONF
global(workDirectory="$RS/work" maxMessageSize="64k")
module(load="imptcp")
module(load="$MODULE")
input(type="imptcp" address="127.0.0.1" port="0" listenPortFileName="$RS/port" ruleset="main")
include(file="$T/native.conf")
include(file="$T/ecs.conf")
include(file="$T/splunk.conf")
include(file="$T/ocsf.conf")
include(file="$T/fail2ban-alerts.conf")
ruleset(name="main") {
  action(type="mmauthparse" detect="off" cluster.redis="$REDIS_ADDR" cluster.node="c1"
         cluster.ruleset="incidents" cluster.bruteforce.threshold="3"
         cluster.dictionary.threshold="0" cluster.distributed.threshold="3")
  action(type="omfile" file="$RS/all" template="RSYSLOG_FileFormat")
}
ruleset(name="incidents") {
  action(type="omfile" file="$RS/native" template="mmauthparse_native")
  call mmauthparse_ecs
  action(type="omfile" file="$RS/ecs" template="mmauthparse_ecs_line")
  call mmauthparse_ocsf_incident
  action(type="omfile" file="$RS/ocsf" template="mmauthparse_ocsf")
  call mmauthparse_splunk_incident
  action(type="omfile" file="$RS/splunk" template="mmauthparse_splunk")
  action(type="omfile" file="$RS/splunk_hec" template="mmauthparse_splunk_incident_hec")
  if \$!auth!kind == "incident" and \$!auth!ip != "" then
    action(type="omfile" file="$RS/alerts.log" template="mmauthparse_fail2ban_incidents")
}
CONF
rs_start || { fail "cluster_conf: rsyslogd start"; exit 1; }
cat > "$RS/in" <<'IN'
<22>1 2026-03-03T04:11:01+00:00 mx2 vpopmail 1 - - vchkpw-pop3: password fail admin@corp.example:198.51.100.7
<22>1 2026-03-03T04:11:02+00:00 mx2 vpopmail 1 - - vchkpw-pop3: password fail admin@corp.example:198.51.100.7
<22>1 2026-03-03T04:11:03+00:00 mx2 vpopmail 1 - - vchkpw-pop3: password fail admin@corp.example:198.51.100.7
<22>1 2026-03-03T04:12:01+00:00 mx2 vpopmail 1 - - vchkpw-imap: password fail boss@corp.example:203.0.113.1
<22>1 2026-03-03T04:12:02+00:00 mx2 vpopmail 1 - - vchkpw-imap: password fail boss@corp.example:203.0.113.2
<22>1 2026-03-03T04:12:03+00:00 mx2 vpopmail 1 - - vchkpw-imap: password fail boss@corp.example:203.0.113.3
IN
rs_send_file "$RS/in"
if ! rs_wait_lines "$RS/all" 6 || ! rs_wait_lines "$RS/native" 2 20; then
  fail "cluster_conf: no incidents: $(tail -3 "$RS/stdout")"
  exit 1
fi
sleep 0.5
rs_stop
python3 - "$RS" > "$RS/result" 2>&1 <<'PY'
import json, re, sys
d = sys.argv[1]
bad = 0
def out(ok, name, why=""):
    global bad
    bad += not ok
    print(("PASS " if ok else "FAIL ") + "cluster_conf: " + name + ("" if ok else ": " + why))
def load(name):
    return [json.loads(l) for l in open(f"{d}/{name}", encoding="utf-8")]
def same(a, b):
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True) and \
        all(type(a[k]) is type(b[k]) for k in b)
RFC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
BF = {"kind": "incident", "scope": "cluster", "state": "open", "detector": "bruteforce", "key": "ip",
      "ip": "198.51.100.7", "count": 3, "threshold": 3, "window": 600,
      "first_seen": "2026-03-03T04:11:01Z", "last_seen": "2026-03-03T04:11:03Z", "nodes": ["c1"], "node": "c1"}
DI = {"kind": "incident", "scope": "cluster", "state": "open", "detector": "distributed", "key": "user",
      "user": "boss@corp.example", "count": 3, "threshold": 3, "window": 3600,
      "first_seen": "2026-03-03T04:12:01Z", "last_seen": "2026-03-03T04:12:03Z", "nodes": ["c1"], "node": "c1"}
MSG = {"bruteforce": "cluster incident: bruteforce ip=198.51.100.7 count=3 threshold=3 window=600 nodes=c1",
       "distributed": "cluster incident: distributed user=boss@corp.example count=3 threshold=3 window=3600 nodes=c1"}

nat = load("native")
out(len(nat) == 2, "native: two incidents", f"{len(nat)}")
host = nat[0].get("host") if nat else ""
HEX16 = re.compile(r"^[0-9a-f]{16}$")
ids = {}
for w in (BF, DI):
    g = [e for e in nat if e.get("detector") == w["detector"]]
    got = {k: v for k, v in g[0].items() if k not in ("time", "host", "id")} if g else None
    out(g and same(got, w) and RFC.match(g[0]["time"]) and g[0]["host"] != "",
        f"native: {w['detector']} incident exactly", json.dumps(g))
    ids[w["detector"]] = g[0].get("id", "") if g else ""
    out(HEX16.match(ids[w["detector"]]) is not None, f"native: {w['detector']} incident id", repr(ids[w["detector"]]))
out(ids["bruteforce"] != ids["distributed"], "native: two incidents, two ids", repr(ids))

T1110 = {"framework": "MITRE ATT&CK", "technique": {"id": ["T1110"], "name": ["Brute Force"],
         "reference": ["https://attack.mitre.org/techniques/T1110/"]}}
def ecs_want(w):
    e = {"event": {"kind": "alert", "category": ["intrusion_detection"], "type": ["info"], "action": "incident",
                   "start": w["first_seen"], "end": w["last_seen"], "module": "mmauthparse",
                   "dataset": "mmauthparse.incident"},
         "host": {"name": host}, "message": MSG[w["detector"]], "threat": T1110,
         "mmauthparse": {"kind": "incident", "count": 3, "window": w["window"], "scope": "cluster",
                         "state": "open", "detector": w["detector"], "key": w["key"], "threshold": 3,
                         "nodes": ["c1"], "node": "c1", "id": ids[w["detector"]]}}
    if "ip" in w:
        e["source"] = {"ip": w["ip"]}
        e["related"] = {"ip": [w["ip"]]}
    else:
        e["user"] = {"name": w["user"]}
        e["related"] = {"user": [w["user"]]}
    return e
ecs = load("ecs")
out(len(ecs) == 2, "ecs: two documents", f"{len(ecs)}")
for w in (BF, DI):
    g = [e for e in ecs if e.get("mmauthparse", {}).get("detector") == w["detector"]]
    got = {k: v for k, v in g[0].items() if k != "@timestamp"} if g else None
    out(g and same(got, ecs_want(w)) and RFC.match(g[0]["@timestamp"]),
        f"ecs: {w['detector']} incident", f"\n    got:  {json.dumps(got, sort_keys=True)}\n    want: {json.dumps(ecs_want(w), sort_keys=True)}")

def ocsf_want(w, first_ms, last_ms):
    o = {"class_uid": 2004, "class_name": "Detection Finding", "category_uid": 2, "category_name": "Findings",
         "activity_id": 1, "activity_name": "Create", "type_uid": 200401, "type_name": "Detection Finding: Create",
         "status_id": 1, "status": "New", "severity_id": 3, "severity": "Medium",
         "finding_info": {"uid": ids[w["detector"]],
                          "title": "cluster incident: " + w["detector"], "types": [w["detector"]],
                          "first_seen_time": first_ms, "last_seen_time": last_ms,
                          "analytic": {"name": "mmauthparse " + w["detector"], "type_id": 1, "type": "Rule"}},
         "message": MSG[w["detector"]],
         "metadata": {"product": {"name": "mmauthparse", "vendor_name": "mmauthparse"}, "version": "1.1.0",
                      "log_name": "cluster"},
         "unmapped": {"mmauthparse": {"scope": "cluster", "key": w["key"], "count": 3, "threshold": 3,
                                      "window": w["window"], "nodes": ["c1"], "node": "c1"}}}
    if "ip" in w:
        o["evidences"] = [{"src_endpoint": {"ip": w["ip"]}}]
        o["unmapped"]["mmauthparse"]["ip"] = w["ip"]
    else:
        o["unmapped"]["mmauthparse"]["user"] = w["user"]
    return o
# 2026-03-03T04:11:01Z = 1772511061 (worked out: 2026-03-03 is day 20515 since 1970)
oc = load("ocsf")
out(len(oc) == 2, "ocsf: two findings", f"{len(oc)}")
for w, f, l in ((BF, 1772511061000, 1772511063000), (DI, 1772511121000, 1772511123000)):
    g = [e for e in oc if e.get("finding_info", {}).get("types") == [w["detector"]]]
    got = {k: v for k, v in g[0].items() if k != "time"} if g else None
    out(g and same(got, ocsf_want(w, f, l)) and type(g[0]["time"]) is int,
        f"ocsf: {w['detector']} Detection Finding", f"\n    got:  {json.dumps(got, sort_keys=True)}\n    want: {json.dumps(ocsf_want(w, f, l), sort_keys=True)}")

def spl_want(w):
    s = {"action": "allowed", "ids_type": "host", "severity": "medium",
         "signature": "mmauthparse cluster " + w["detector"], "category": w["detector"],
         "dest": host, "dvc": host, "vendor_product": "mmauthparse", "count": 3, "threshold": 3,
         "window": w["window"], "first_seen": w["first_seen"], "last_seen": w["last_seen"], "nodes": ["c1"],
         "node": "c1", "scope": "cluster", "id": ids[w["detector"]]}
    if "ip" in w:
        s["src"] = w["ip"]
    else:
        s["user"] = w["user"]
    return s
spl = load("splunk")
hec = load("splunk_hec")
for w in (BF, DI):
    g = [e for e in spl if e.get("category") == w["detector"]]
    got = {k: v for k, v in g[0].items() if k != "time"} if g else None
    out(g and same(got, spl_want(w)), f"splunk: {w['detector']} CIM Intrusion Detection",
        f"\n    got:  {json.dumps(got, sort_keys=True)}\n    want: {json.dumps(spl_want(w), sort_keys=True)}")
    h = [e for e in hec if e.get("event", {}).get("category") == w["detector"]]
    out(h and h[0]["sourcetype"] == "mmauthparse:incident" and same(h[0]["event"], spl_want(w))
        and type(h[0]["time"]) is int and h[0]["host"] == host, f"splunk HEC: {w['detector']} envelope", json.dumps(h))

al = open(f"{d}/alerts.log").read().splitlines()
out(len(al) == 1 and re.match(r"^\d{4}-\d\d-\d\dT\S+ mmauthparse incident ip=198\.51\.100\.7 detector=bruteforce "
                             r"scope=cluster count=3$", al[0]) is not None,
    "fail2ban: one incident line, for the address (none for the user)", repr(al))
sys.exit(1 if bad else 0)
PY
cat "$RS/result"
RS_PASS=$((RS_PASS + $(grep -c '^PASS' "$RS/result"))); RS_FAIL=$((RS_FAIL + $(grep -c '^FAIL' "$RS/result")))
if command -v fail2ban-regex >/dev/null; then
  got=$(fail2ban-regex -o ip "$RS/alerts.log" "$TOP_SRCDIR/conf/fail2ban/filter.d/mmauthparse-alerts.conf" 2>&1 | sort | tr '\n' ' ')
  [ "$got" = "198.51.100.7 " ] && pass "cluster_conf: fail2ban-regex finds the incident's address" \
    || fail "cluster_conf: fail2ban-regex found '$got'"
  # look-alikes the filter must not take: another scope, a user key, a trailing field
  cat > "$RS/lookalike.log" <<'LL'
2026-03-03T04:11:10+00:00 mmauthparse incident ip=192.0.2.1 detector=bruteforce scope=local count=3
2026-03-03T04:11:10+00:00 mmauthparse incident ip=192.0.2.2 detector=distributed scope=cluster count=3
2026-03-03T04:11:10+00:00 mmauthparse incident ip=192.0.2.3 detector=bruteforce scope=cluster count=3 x=1
LL
  got=$(fail2ban-regex -o ip "$RS/lookalike.log" "$TOP_SRCDIR/conf/fail2ban/filter.d/mmauthparse-alerts.conf" 2>&1 | grep -c '^[0-9]')
  [ "$got" = 0 ] && pass "cluster_conf: the filter takes none of the look-alike lines" \
    || fail "cluster_conf: the filter took $got look-alike lines"
fi
rs_valgrind_check cluster_conf
[ "$RS_FAIL" -eq 0 ]
