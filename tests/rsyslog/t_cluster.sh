#!/usr/bin/env bash
# The cluster tier against real rsyslogd instances and a private
# redis-server (tests/redis.sh): three collectors share one Redis.
#
#  1. A distributed attack (one user from 24 addresses) and a rotating
#     brute force (one address, 27 failures) split over three nodes: each
#     node sees 8 addresses and 9 failures, below its local thresholds
#     (distributed 10, bruteforce 10), so no local alert; the cluster
#     thresholds are 24 and 27: exactly one incident of each kind comes
#     out, across all three nodes together, with count 24 (27), all three
#     nodes, into cluster.ruleset.
#  2. The same stream through one node: the same two incidents.
#  3. Redis killed mid-stream: every message still comes out, local alerts
#     go on, the counters show the outage; after a restart cluster
#     detection resumes.
#  4. A wrong password, a full queue, a slow Redis (DEBUG SLEEP) in async
#     and sync mode, and the sync mode's verdict on the event itself.
# SPDX-License-Identifier: Apache-2.0
. "$TOP_SRCDIR/tests/rsyslog/lib.sh"
. "$TOP_SRCDIR/tests/redis.sh"
if ! redis_have; then
  echo "cluster: redis-server not installed (scripts/setup.sh): skipped"
  exit 0
fi
if grep -q "this build has no cluster tier" "$MODULE"; then
  echo "cluster: the module was built without hiredis: skipped"
  exit 0
fi

NODES=()
cleanup() {
  local d
  for d in "${NODES[@]}"; do
    if [ -f "$d/rsyslogd.pid" ]; then
      RS=$d RS_PID=$(cat "$d/rsyslogd.pid") rs_stop
    fi
    [ "$RS_FAIL" -eq 0 ] && [ "${KEEP:-0}" != 1 ] && rm -rf "$d"
  done
  redis_cleanup
}
trap cleanup EXIT
redis_start cluster || { fail "cluster: redis-server start"; exit 1; }

# node NAME PREFIX PARAMS: a new instance in $RS running the module with the
# cluster tier on our Redis (or NODE_REDIS); incidents go to $RS/incidents, counters to
# $RS/stats every second
node() {
  rs_new "cl-$1"
  NODES+=("$RS")
  cat > "$RS/rsyslog.conf" <<CONF
global(workDirectory="$RS/work" maxMessageSize="64k" processInternalMessages="on")
module(load="impstats" interval="1" format="json" log.syslog="off" log.file="$RS/stats")
module(load="imptcp")
module(load="$MODULE")
template(name="mmap_out" type="string" string="%msg%\t%\$!auth%\n")
template(name="inc_out" type="string" string="%syslogtag% %msg%\t%\$!auth%\n")
input(type="imptcp" address="127.0.0.1" port="0" listenPortFileName="$RS/port" ruleset="main")
ruleset(name="main") {
  action(type="mmauthparse" cluster.redis="${NODE_REDIS:-$REDIS_ADDR}" cluster.node="$1"
         cluster.prefix="$2" cluster.ruleset="incidents" $3)
  action(type="omfile" file="$RS/out" template="mmap_out")
}
ruleset(name="incidents") {
  action(type="omfile" file="$RS/incidents" template="inc_out")
}
if \$programname == "rsyslogd" or \$syslogtag startswith "rsyslogd" then {
  action(type="omfile" file="$RS/internal.log")
}
CONF
  rs_start || { fail "cluster: rsyslogd $1 start"; cat "$RS/stdout"; exit 1; }
  RS_DIR_OF[$1]=$RS
  PORT_OF[$1]=$RS_PORT
  PID_OF[$1]=$RS_PID
}
declare -A RS_DIR_OF PORT_OF PID_OF

# on NAME: make that node the current one (RS, RS_PORT, RS_PID)
on() { RS=${RS_DIR_OF[$1]}; RS_PORT=${PORT_OF[$1]}; RS_PID=${PID_OF[$1]}; }

# stat NAME COUNTER: the counter in the node's newest impstats record
stat() {
  python3 - "${RS_DIR_OF[$1]}/stats" "$2" <<'PY'
import json, sys
try:
    recs = [json.loads(l[l.index("{"):]) for l in open(sys.argv[1]) if '"mmauthparse"' in l]
except OSError:
    recs = []
print(recs[-1].get(sys.argv[2], -1) if recs else -1)
PY
}

# wait_stat NAME COUNTER OP VALUE [SECONDS]: until the counter compares true
wait_stat() {
  local n=$1 c=$2 op=$3 v=$4 t=${5:-15} i=0 got
  while :; do
    got=$(stat "$n" "$c")
    [ "$got" "$op" "$v" ] && return 0
    i=$((i + 1)); [ $i -gt $((t * 5)) ] && { echo "    $n: $c = $got, want $op $v"; return 1; }
    sleep 0.2
  done
}

lines() { [ -f "$1" ] && wc -l < "$1" || echo 0; }

# events FILE EXPR: how many lines of FILE ("text<TAB>json") have a JSON
# object e for which the Python expression EXPR holds
events() {
  python3 - "$1" "$2" <<'PY'
import json, sys
n = 0
try:
    for l in open(sys.argv[1]):
        js = l.rstrip("\n").partition("\t")[2].strip()
        if js:
            e = json.loads(js)
            n += bool(eval(sys.argv[2], {"e": e}))
except OSError:
    pass
print(n)
PY
}
# local_alert FILE DET COUNT THRESHOLD WINDOW: a local alert with these figures
# (its incident member aside)
local_alert() {
  [ "$(events "$1" "{k: v for k, v in e.get('alert', {}).get('$2', {}).items() if k != 'incident'} == {'count': $3, 'threshold': $4, 'window': $5}")" -ge 1 ]
}

# ---------------------------------------------------------------------------
# the stream: a distributed attack on ceo@corp.example from 203.0.113.1-24
# and a brute force from 198.51.100.7 on admin@corp.example (27 failures),
# interleaved one second apart; line k goes to node k % 3 of its attack
python3 - "$REDIS_DIR" <<'PY'
import sys
d = sys.argv[1]
dist = [f"vchkpw-imaps: password fail (pass: 'x{i}') ceo@corp.example:203.0.113.{i}" for i in range(1, 25)]
bf = ["vchkpw-pop3: password fail admin@corp.example:198.51.100.7" for _ in range(27)]
out = {1: [], 2: [], 3: []}
allf = []
t = 0
seq = []
for k in range(27):
    if k < 24:
        seq.append(("d", k, dist[k]))
    seq.append(("b", k, bf[k]))
for what, k, msg in seq:
    t += 1
    line = f"<22>Mar  3 04:{10 + t // 60:02d}:{t % 60:02d} mx vpopmail[100]: {msg}"
    out[k % 3 + 1].append(line)
    allf.append(line)
for n in (1, 2, 3):
    open(f"{d}/node{n}.in", "w").write("\n".join(out[n]) + "\n")
open(f"{d}/all.in", "w").write("\n".join(allf) + "\n")
# times (seconds into the stream) of the first and last line of each attack
tt = {"d": [], "b": []}
t = 0
for what, k, msg in seq:
    t += 1
    tt[what].append(t)
open(f"{d}/spans", "w").write(f"d {tt['d'][-1] - tt['d'][0]}\nb {tt['b'][-1] - tt['b'][0]}\n")
PY

CLP='cluster.distributed.threshold="24" cluster.bruteforce.threshold="27"'

# check_incidents LABEL NODES FILE...: exactly the two incidents expected
check_incidents() {
  local label=$1 nodes=$2; shift 2
  python3 - "$label" "$nodes" "$REDIS_DIR/spans" "$@" <<'PY'
import json, sys, datetime
label, nodes, spans = sys.argv[1:4]
span = dict(l.split() for l in open(spans))
incs = []
for f in sys.argv[4:]:
    try:
        for l in open(f):
            tag, _, rest = l.partition(" ")
            text, _, js = rest.rstrip("\n").partition("\t")
            incs.append((tag, text, json.loads(js)))
    except OSError:
        pass
bad = 0
def ok(cond, what):
    global bad
    print(("PASS" if cond else "FAIL") + f" {label}: {what}")
    bad += not cond
ok(len(incs) == 2, f"exactly two incidents in all ({len(incs)}: {[i[2].get('detector') for i in incs]})")
want = {
    "distributed": {"key": "user", "user": "ceo@corp.example", "count": 24, "threshold": 24, "window": 3600, "span": "d"},
    "bruteforce": {"key": "ip", "ip": "198.51.100.7", "count": 27, "threshold": 27, "window": 600, "span": "b"},
}
def ts(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").timestamp()
for det, w in want.items():
    got = [i for i in incs if i[2].get("detector") == det]
    if len(got) != 1:
        ok(False, f"one {det} incident ({len(got)})")
        continue
    tag, text, j = got[0]
    fields = {k: v for k, v in w.items() if k != "span"}
    ok(all(j.get(k) == v for k, v in fields.items()) and j.get("kind") == "incident"
       and j.get("scope") == "cluster" and j.get("state") == "open",
       f"{det} incident fields {json.dumps(j, sort_keys=True)}")
    ok(sorted(j.get("nodes", [])) == nodes.split(","), f"{det} nodes {j.get('nodes')} = {nodes}")
    ok(ts(j["last_seen"]) - ts(j["first_seen"]) == int(span[w["span"]]),
       f"{det} first_seen..last_seen spans the attack's {span[w['span']]} s ({j['first_seen']}..{j['last_seen']})")
    ok(tag == "mmauthparse:" and text.startswith(f"cluster incident: {det} "), f"{det} message tag and text: {tag} {text}")
    iid = j.get("id", "")
    ok(len(iid) == 16 and all(c in "0123456789abcdef" for c in iid) and iid != "0" * 16,
       f"{det} incident id is 16 hex digits ({iid!r})")
    with open(f"{spans}.ids.{label}", "a") as fh:
        fh.write(f"{det} {iid}\n")
sys.exit(1 if bad else 0)
PY
  [ $? -eq 0 ] || RS_FAIL=$((RS_FAIL + 1))
}

# --- 1. three nodes --------------------------------------------------------
for n in 1 2 3; do node "n$n" "t1:" "$CLP"; done
senders=()
for n in 1 2 3; do (on "n$n"; rs_send_file "$REDIS_DIR/node$n.in") & senders+=($!); done
wait "${senders[@]}"
ok=1
for n in 1 2 3; do on "n$n"; rs_wait_lines "$RS/out" 17 || ok=0; done
for n in 1 2 3; do wait_stat "n$n" cluster.sent -ge 17 || ok=0; done
[ $ok = 1 ] && pass "three: every message came out and reached Redis" || fail "three: messages or sends missing"
sleep 1.5   # a second crossing, if any, would show by now
if [ "$(cat "${RS_DIR_OF[n1]}/out" "${RS_DIR_OF[n2]}/out" "${RS_DIR_OF[n3]}/out" > "$RS/all.out"; events "$RS/all.out" "'alert' in e")" != 0 ]; then
  fail "three: a local alert fired (each node must stay below its thresholds)"
else
  pass "three: no local alert on any node"
fi
check_incidents three "n1,n2,n3" "${RS_DIR_OF[n1]}/incidents" "${RS_DIR_OF[n2]}/incidents" "${RS_DIR_OF[n3]}/incidents"
s=$(( $(stat n1 cluster.incidents) + $(stat n2 cluster.incidents) + $(stat n3 cluster.incidents) ))
[ "$s" = 2 ] && pass "three: cluster.incidents adds up to 2 over the nodes" || fail "three: cluster.incidents adds up to $s"
for n in 1 2 3; do on "n$n"; rs_stop; done

# --- 2. the same stream through one node ----------------------------------
node solo "t2:" "$CLP"
rs_send_file "$REDIS_DIR/all.in"
rs_wait_lines "$RS/out" 51 && wait_stat solo cluster.sent -ge 51 \
  && pass "solo: every message came out and reached Redis" || fail "solo: messages missing"
sleep 1.5
check_incidents solo "solo" "$RS/incidents"
# the id names the crossing (detector, key, first time), not the collector:
# the same incidents through one node or three have the same ids
if [ -s "$REDIS_DIR/spans.ids.three" ] && \
   [ "$(sort "$REDIS_DIR/spans.ids.three")" = "$(sort "$REDIS_DIR/spans.ids.solo")" ]; then
  pass "solo: the incidents' ids are the three nodes' ids"
else
  fail "solo: ids differ: $(sort "$REDIS_DIR/spans.ids.three" | tr '\n' ' ') / $(sort "$REDIS_DIR/spans.ids.solo" 2>/dev/null | tr '\n' ' ')"
fi
# one node sees it all: its local detectors fire as well
local_alert "$RS/out" distributed 10 10 3600 && local_alert "$RS/out" bruteforce 10 10 600 \
  && pass "solo: the local detectors fire beside the cluster" || fail "solo: no local alerts"
rs_stop

# --- 3. Redis killed mid-stream -------------------------------------------
# fail LINES N IP USER: N failure lines from IP
fails() {
  local i
  for i in $(seq 1 "$1"); do
    printf '<22>Mar  3 05:%02d:%02d mx vpopmail[100]: vchkpw-pop3: password fail %s:%s\n' \
      $((i / 60)) $((i % 60)) "$3" "$2"
  done
}
node kill "t3:" 'cluster.bruteforce.threshold="20"'
fails 5 192.0.2.10 x@corp.example > "$RS/a.in"; rs_send_file "$RS/a.in"
rs_wait_lines "$RS/out" 5 && wait_stat kill cluster.sent -ge 5 && wait_stat kill cluster.connected -eq 1 \
  && pass "kill: connected, the first failures sent" || fail "kill: not connected"
redis_kill
fails 12 192.0.2.11 y@corp.example > "$RS/b.in"; rs_send_file "$RS/b.in"
if rs_wait_lines "$RS/out" 17 10; then pass "kill: every message came out with Redis gone"
else fail "kill: messages stuck with Redis gone"; fi
local_alert "$RS/out" bruteforce 10 10 600 && pass "kill: local alerts go on" || fail "kill: no local alert"
wait_stat kill cluster.connected -eq 0 && wait_stat kill cluster.errors -ge 1 \
  && pass "kill: the counters show the outage (connected 0, errors $(stat kill cluster.errors))" \
  || fail "kill: counters do not show the outage"
redis_start cluster || fail "kill: redis-server restart"
fails 20 192.0.2.12 z@corp.example > "$RS/c.in"; rs_send_file "$RS/c.in"
rs_wait_lines "$RS/out" 37 && pass "kill: every message came out after the restart" || fail "kill: messages missing"
i=0; while [ "$(lines "$RS/incidents")" -lt 1 ] && [ $i -lt 450 ]; do sleep 0.1; i=$((i + 1)); done
if [ "$(events "$RS/incidents" "e['detector'] == 'bruteforce' and e['ip'] == '192.0.2.12' and e['count'] == 20")" = 1 ] \
   && [ "$(lines "$RS/incidents")" = 1 ]; then
  pass "kill: after the restart cluster detection resumes (192.0.2.12 crossed at 20)"
else
  fail "kill: no incident after the restart: $(cat "$RS/incidents" 2>/dev/null)"
fi
wait_stat kill cluster.connected -eq 1 && pass "kill: connected again" || fail "kill: not connected again"
n=$(grep -c 'lost Redis\|cannot use Redis' "$RS/internal.log" 2>/dev/null)
[ "${n:-0}" -ge 1 ] && [ "${n:-0}" -le 2 ] && pass "kill: the outage logged $n time(s), not per message" \
  || fail "kill: the outage logged ${n:-0} times"
rs_stop

# --- 4. refusals and slowness ---------------------------------------------
redis_cli ACL SETUSER mmaptest on '>right-pw' '~*' '+@all' >/dev/null
node auth "t4:" 'cluster.user="mmaptest" cluster.password="wrong-pw" cluster.bruteforce.threshold="3"'
fails 12 192.0.2.20 w@corp.example > "$RS/a.in"; rs_send_file "$RS/a.in"
rs_wait_lines "$RS/out" 12 && pass "auth: every message came out" || fail "auth: messages missing"
local_alert "$RS/out" bruteforce 10 10 600 && pass "auth: local alerts go on" || fail "auth: no local alert"
wait_stat auth cluster.errors -ge 1 && [ "$(stat auth cluster.connected)" = 0 ] \
  && pass "auth: refused, counted" || fail "auth: errors $(stat auth cluster.errors)"
n=$(grep -c 'AUTH refused' "$RS/internal.log" 2>/dev/null)
[ "${n:-0}" = 1 ] && pass "auth: logged once" || fail "auth: logged ${n:-0} times"
grep -q 'wrong-pw' "$RS/internal.log" "$RS/out" && fail "auth: the password reached a log" \
  || pass "auth: the password is in no log"
[ ! -s "$RS/incidents" ] && pass "auth: no incident" || fail "auth: an incident without Redis"
rs_stop

NODE_REDIS=127.0.0.1:1 node queue "t5:" 'cluster.queueSize="5"'
fails 20 192.0.2.21 q@corp.example > "$RS/a.in"; rs_send_file "$RS/a.in"
rs_wait_lines "$RS/out" 20 && pass "queue: every message came out" || fail "queue: messages missing"
wait_stat queue cluster.dropped -eq 15 && pass "queue: a full queue drops (15 of 20 with queueSize 5)" \
  || fail "queue: dropped $(stat queue cluster.dropped)"
rs_stop

node slow "t6:" 'cluster.timeout="300"'
(redis_cli DEBUG SLEEP 3 >/dev/null) &
sleeper=$!
sleep 0.3
fails 30 192.0.2.22 s@corp.example > "$RS/a.in"
t0=$(date +%s%N); rs_send_file "$RS/a.in"
if rs_wait_lines "$RS/out" 30 10; then
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  [ "$ms" -lt 1500 ] && pass "slow: async: 30 messages out in $ms ms while Redis sleeps 3 s" \
    || fail "slow: async: 30 messages took $ms ms"
else
  fail "slow: async: messages missing"
fi
wait_stat slow cluster.timeouts -ge 1 && pass "slow: async: the timeout counted" || fail "slow: no timeout counted"
wait "$sleeper"
rs_stop

node sslow "t7:" 'cluster.mode="sync"'
(redis_cli DEBUG SLEEP 2 >/dev/null) &
sleeper=$!
sleep 0.3
fails 10 192.0.2.23 s@corp.example > "$RS/a.in"
t0=$(date +%s%N); rs_send_file "$RS/a.in"
if rs_wait_lines "$RS/out" 10 10; then
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  [ "$ms" -lt 1000 ] && pass "slow: sync: 10 messages out in $ms ms while Redis sleeps 2 s" \
    || fail "slow: sync: 10 messages took $ms ms"
else
  fail "slow: sync: messages missing"
fi
local_alert "$RS/out" bruteforce 10 10 600 && pass "slow: sync: local alerts go on" || fail "slow: sync: no local alert"
wait_stat sslow cluster.timeouts -ge 1 && pass "slow: sync: the timeout counted" || fail "slow: sync: no timeout counted"
wait "$sleeper"
rs_stop

# sync: the verdict on the event itself; two nodes, 3 + 3 failures,
# threshold 6: the sixth carries alert.bruteforce with scope cluster
node sa "t8:" 'cluster.mode="sync" cluster.bruteforce.threshold="6"'
node sb "t8:" 'cluster.mode="sync" cluster.bruteforce.threshold="6"'
fails 3 192.0.2.30 v@corp.example > "$REDIS_DIR/v.in"
on sa; rs_send_file "$REDIS_DIR/v.in"; rs_wait_lines "$RS/out" 3
on sb; rs_send_file "$REDIS_DIR/v.in"; rs_wait_lines "$RS/out" 3
python3 - "${RS_DIR_OF[sa]}/out" "${RS_DIR_OF[sb]}/out" "${RS_DIR_OF[sb]}/incidents" <<'PY'
import json, sys
a = [json.loads(l.split("\t", 1)[1]) for l in open(sys.argv[1])]
b = [json.loads(l.split("\t", 1)[1]) for l in open(sys.argv[2])]
bad = 0
def ok(c, what):
    global bad
    print(("PASS" if c else "FAIL") + " sync: " + what)
    bad += not c
ok(all("alert" not in e for e in a + b[:2]), "no alert before the sixth failure")
ok(b[2].get("alert") == {"bruteforce": {"count": 6, "threshold": 6, "window": 600, "scope": "cluster"}},
   f"the sixth carries the cluster's verdict: {b[2].get('alert')}")
try:
    inc = [json.loads(l.split("\t", 1)[1]) for l in open(sys.argv[3])]
except OSError:
    inc = []
ok(len(inc) == 1 and inc[0]["count"] == 6 and sorted(inc[0]["nodes"]) == ["sa", "sb"] and inc[0]["node"] == "sb",
   f"one incident from sb, nodes sa and sb: {inc}")
sys.exit(1 if bad else 0)
PY
[ $? -eq 0 ] || RS_FAIL=$((RS_FAIL + 1))
on sa; rs_stop; on sb; rs_stop

[ "$RS_FAIL" -eq 0 ]
