#!/usr/bin/env bash
# Several workers on one action: a real rsyslogd runs the module from four
# worker threads at once (each with its own ap_worker and geo cache) on one
# shared detection state, first as a ruleset queue (mmauthparse and the
# output in the same workers), then as the action's own queue
# (queue.type="LinkedList" queue.workerThreads="4").  20,000 failures from
# eight addresses and five users go in over imptcp; every line must come out
# once with its event, the impstats counters must add up exactly, and the
# bruteforce alerts must be what counting each failure exactly once gives,
# whatever order the workers took the lines in.
#
# The input (generated below, line i = 0..19999):
#   - i % 50 == 49: a cold address, 203.0.113.5..8 in turn (documentation
#     range: no geo lookup) -> 400 lines, 100 per cold address;
#   - otherwise a hot address, 89.160.20.112, 89.160.20.113, 2a02:d40::1:2,
#     177.67.80.9 in turn (all four in the geo fixture) -> 19,600 lines,
#     4,900 per hot address;
#   - user u(i % 5)@x.example; even i a vpopmail line with a password
#     (10,000, all hot, all redacted), odd i a dovecot "auth failed,
#     1 attempts" line (10,000); the pid in the tag is i.
# Detection: bruteforce 1000 in 86400 s, every other detector off; all lines
# carry one time stamp.  The k-th failure of an address is counted k, so a
# hot address fires for k = 1000..4900: 3,901 alerts with the counts 1000 to
# 4900 once each; a cold one never fires.  Hence alerts.bruteforce =
# 4 x 3,901 = 15,604; detect.keys = 8 addresses + 5 users = 13.
# SPDX-License-Identifier: Apache-2.0
. "$TOP_SRCDIR/tests/rsyslog/lib.sh"
trap rs_cleanup EXIT
rs_new workers
mkdir -p "$RS/geo"
perl "$TOP_SRCDIR/tests/geo/mkfixture.pl" "$RS/geo" || { fail "workers: geo fixture"; exit 1; }
N=20000
# under valgrind everything runs one thread at a time, many times slower
T=60; [ "${RS_VALGRIND:-0}" = 1 ] && T=600

python3 - "$RS/in" <<'PY'
import sys
hot = ["89.160.20.112", "89.160.20.113", "2a02:d40::1:2", "177.67.80.9"]
cold = ["203.0.113.5", "203.0.113.6", "203.0.113.7", "203.0.113.8"]
h = c = 0
with open(sys.argv[1], "w") as f:
    for i in range(20000):
        if i % 50 == 49:
            ip = cold[c % 4]; c += 1
        else:
            ip = hot[h % 4]; h += 1
        u = "u%d@x.example" % (i % 5)
        if i % 2 == 0:
            f.write("<22>Mar  3 04:11:09 mx2 vpopmail[%d]: vchkpw-pop3: password fail "
                    "(pass: 'pw%dsecret') %s:%s\n" % (i, i, u, ip))
        else:
            f.write("<22>Mar  3 04:11:09 mx2 dovecot[%d]: imap-login: Disconnected (auth failed, "
                    "1 attempts): user=<%s>, method=PLAIN, rip=%s, lip=10.0.0.1, TLS\n" % (i, u, ip))
PY

# the counters both runs must end with
cat > "$RS/expect" <<'EXP'
{"parsed": 20000, "unparsed": 0,
 "outcome.success": 0, "outcome.failure": 20000, "outcome.unknown": 0, "blocks": 0,
 "redacted": 10000, "geo.hits": 19600, "geo.misses": 0, "geo.reloads": 0,
 "alerts.bruteforce": 15604, "alerts.dictionary": 0, "alerts.distributed": 0,
 "alerts.compromise": 0, "alerts.insecure": 0,
 "detect.keys": 13, "detect.evictions": 0, "ambiguous": 0,
 "family.vpopmail": 10000, "family.dovecot": 10000, "failed": 0}
EXP

ACTION_PARAMS="geoip.files=[\"$RS/geo/geoip2-city.mmdb\", \"$RS/geo/geolite2-asn.mmdb\"]
         bruteforce.threshold=\"1000\" bruteforce.window=\"86400\" dictionary.threshold=\"0\"
         distributed.threshold=\"0\" compromise.threshold=\"0\" insecure=\"off\""
QUEUE='queue.type="LinkedList" queue.workerThreads="4" queue.workerThreadMinimumMessages="100" queue.size="50000"'

# workers_conf RULESET_PARAMS ACTION_QUEUE OUTPUT
workers_conf() {
  cat > "$RS/rsyslog.conf" <<CONF
global(workDirectory="$RS/work" maxMessageSize="64k")
module(load="impstats" interval="1" format="json" log.syslog="off" log.file="$RS/stats" resetCounters="off")
module(load="imptcp")
module(load="$MODULE")
template(name="w_out" type="string" string="%syslogtag%\t%msg%\t%\$!auth%\n")
input(type="imptcp" address="127.0.0.1" port="0" listenPortFileName="$RS/port" ruleset="main")
ruleset(name="main" $1) {
  action(type="mmauthparse" $ACTION_PARAMS $2)
  $3
}
CONF
}

# wait_stats: until an mmauthparse record shows all N lines; prints it
wait_stats() {
  python3 - "$RS/stats" "$N" "$T" <<'PY'
import json, sys, time
n, end = int(sys.argv[2]), time.time() + int(sys.argv[3])
recs = []
while time.time() < end:
    try:
        recs = [json.loads(l[l.index("{"):]) for l in open(sys.argv[1]) if '"mmauthparse"' in l]
    except (OSError, ValueError):
        recs = []
    done = [r for r in recs if int(r.get("parsed", 0)) + int(r.get("unparsed", 0)) >= n]
    if done:
        print(json.dumps(done[0])); sys.exit(0)
    time.sleep(0.2)
print(json.dumps(recs[-1] if recs else {})); sys.exit(1)
PY
}

# check_stats NAME: the record in $RS/rec against $RS/expect
check_stats() {
  python3 - "$1" "$RS/rec" "$RS/expect" <<'PY'
import json, sys
name, got, want = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
bad = [f"{k} = {got.get(k)}, expected {v}" for k, v in want.items()
       if got.get(k) is None or int(got[k]) != v]
print((f"FAIL {name}: counters: " + "; ".join(bad)) if bad
      else f"PASS {name}: impstats counters add up exactly ({len(want)} counters)")
sys.exit(1 if bad else 0)
PY
}

# check_out NAME: every line came out once, with its event and the alerts
# that counting each failure once gives
check_out() {
  python3 - "$1" "$RS/out" <<'PY'
import json, re, sys
name = sys.argv[1]
hot = ["89.160.20.112", "89.160.20.113", "2a02:d40::1:2", "177.67.80.9"]
cold = ["203.0.113.5", "203.0.113.6", "203.0.113.7", "203.0.113.8"]
seen, bad, counts, plain = {}, [], {ip: [] for ip in hot + cold}, {ip: 0 for ip in hot + cold}
for line in open(sys.argv[2], encoding="utf-8", errors="replace"):
    tag, msg, js = (line.rstrip("\n").split("\t") + ["", ""])[:3]
    m = re.match(r"(vpopmail|dovecot)\[(\d+)\]:$", tag)
    if not m:
        bad.append(f"tag {tag!r}"); continue
    i = int(m.group(2))
    seen[i] = seen.get(i, 0) + 1
    try:
        ev = json.loads(js)
    except ValueError:
        bad.append(f"line {i}: no event"); continue
    ip = ev.get("ip")
    if ev.get("kind") != "auth" or ev.get("outcome") != "failure" or ip not in counts \
       or ev.get("user") != "u%d@x.example" % (i % 5):
        bad.append(f"line {i}: event {js[:120]}"); continue
    al = ev.get("alert", {})
    if set(al) - {"bruteforce"}:
        bad.append(f"line {i}: alerts {sorted(al)}")
    if "bruteforce" in al:
        counts[ip].append(al["bruteforce"]["count"])
    else:
        plain[ip] += 1
missing = [i for i in range(20000) if i not in seen]
dup = [i for i, c in seen.items() if c != 1]
ok = not missing and not dup and len(seen) == 20000
print(("PASS" if ok else "FAIL") + f" {name}: every line came out once "
      f"({len(seen)} distinct, {len(missing)} missing, {len(dup)} more than once)")
print(("PASS" if not bad else "FAIL") + f" {name}: every line carries its failure event"
      + ("" if not bad else ": " + "; ".join(bad[:5])))
# a hot address: 999 lines without alert, then counts 1000..4900 once each
want = list(range(1000, 4901))
hot_ok = [ip for ip in hot if sorted(counts[ip]) == want and plain[ip] == 999]
print(("PASS" if len(hot_ok) == 4 else "FAIL") + f" {name}: bruteforce fired for each hot "
      "address with the counts 1000..4900 once each: "
      + ", ".join(f"{ip} {len(counts[ip])} alerts ({len(set(counts[ip]) & set(want))} "
                  f"distinct in range, max {max(counts[ip], default=0)}), {plain[ip]} without"
                  for ip in hot))
cold_ok = all(not counts[ip] and plain[ip] == 100 for ip in cold)
print(("PASS" if cold_ok else "FAIL") + f" {name}: no alert for the cold addresses, 100 lines each")
sys.exit(0 if ok and not bad and len(hot_ok) == 4 and cold_ok else 1)
PY
}

# check_threads NAME PREFIX: four worker threads of the queue ran (rsyslog
# names them after the queue; they stay a minute after the queue empties)
check_threads() {
  local n
  n=$(cat /proc/"$RS_PID"/task/*/comm 2>/dev/null | grep -c "^$2")
  if [ "$n" -eq 4 ]; then pass "$1: four worker threads ($2...)"
  else fail "$1: $n worker threads named $2..., want 4: $(cat /proc/"$RS_PID"/task/*/comm 2>/dev/null | tr '\n' ' ')"; fi
}

# 1. a ruleset queue: the module and the output in four workers
workers_conf "$QUEUE" "" "action(type=\"omfile\" file=\"$RS/out\" template=\"w_out\")"
rs_start || { fail "workers: rsyslogd start (ruleset queue)"; exit 1; }
rs_send_file "$RS/in"
if rs_wait_lines "$RS/out" "$N" "$T" && wait_stats > "$RS/rec"; then
  check_threads "workers (ruleset queue)" "rs:main:Reg"
  rs_stop
  check_stats "workers (ruleset queue)" || RS_FAIL=$((RS_FAIL + 1))
  check_out "workers (ruleset queue)" || RS_FAIL=$((RS_FAIL + 1))
  if grep -q 'secret' "$RS/out"; then fail "workers (ruleset queue): a password reached the output"
  else pass "workers (ruleset queue): no password in the output"; fi
else
  fail "workers (ruleset queue): $(wc -l < "$RS/out" 2>/dev/null) of $N lines; record $(cat "$RS/rec" 2>/dev/null)"
  rs_stop
fi
rs_valgrind_check "workers (ruleset queue)"
[ -f "$RS/valgrind.log" ] && mv "$RS/valgrind.log" "$RS/valgrind-ruleset.log"

# 2. the action's own queue with four workers; nothing may read the message
# after an asynchronous message modification, so only the counters tell
rm -rf "$RS/work"/* "$RS/stats" "$RS/out" "$RS/rec"
workers_conf "" "$QUEUE" ""
rs_start || { fail "workers: rsyslogd start (action queue)"; exit 1; }
rs_send_file "$RS/in"
if wait_stats > "$RS/rec"; then
  check_threads "workers (action queue)" "rs:action-0"
  rs_stop
  check_stats "workers (action queue)" || RS_FAIL=$((RS_FAIL + 1))
else
  fail "workers (action queue): no complete record: $(cat "$RS/rec" 2>/dev/null)"
  rs_stop
fi
rs_valgrind_check "workers (action queue)"
[ "$RS_FAIL" -eq 0 ]
