#!/usr/bin/env bash
# sshd's connection table in a real rsyslogd: the lines of one connection
# (the HOSTNAME rsyslog parsed and the pid of the tag) are joined, so that a
# verdict that names no address gets the one sshd wrote on another line of
# the connection (core/recognisers/sshd.c, session.c).
#
# 1. One worker, the lines in order: each line's container worked out by
#    hand (the same pid on two hosts is two connections).
# 2. Four workers on the ruleset's queue, 2,000 connections, each with its
#    own pid and address: "Connection from", the address-less verdict, the
#    close.  The workers may take two lines of one connection in two
#    batches at once, which can lose a verdict's address (no event) but
#    must never give it another connection's: every event carries its own
#    connection's address and no connection gets two.
# SPDX-License-Identifier: Apache-2.0
. "$TOP_SRCDIR/tests/rsyslog/lib.sh"
trap rs_cleanup EXIT
T=60; [ "${RS_VALGRIND:-0}" = 1 ] && T=600

# ---------------------------------------------------------------- 1
rs_new sessions
rs_conf 'detect="off"'
rs_start || { fail "sessions: rsyslogd start"; exit 1; }
cat > "$RS/in" <<'IN'
<38>Feb 12 04:09:18 gw1 sshd[26713]: Connection from 81.2.69.140 port 51353 on 10.0.0.2 port 22
<38>Feb 12 04:09:19 gw2 sshd[26713]: Disconnecting: Too many authentication failures [preauth]
<38>Feb 12 04:09:21 gw1 sshd[26713]: Disconnecting: Too many authentication failures for root [preauth]
<38>Feb 12 04:09:22 gw2 sshd[26713]: Connection closed by 81.2.69.141 port 4000 [preauth]
<38>Apr 24 01:39:19 host sshd[3719]: User root not allowed because account is locked
<38>Apr 24 01:39:19 host sshd[3719]: error: Received disconnect from 81.2.69.145: 11: Bye Bye [preauth]
<38>Nov 28 09:16:05 srv sshd[32310]: Failed publickey for git from 81.2.69.150 port 57910 ssh2: RSA 14:ba:00:00:00:00:00:00:00:00:00:00:00:00:00:00
<38>Nov 28 09:16:05 srv sshd[32310]: Disconnecting: Too many authentication failures for git [preauth]
<38>Nov 28 09:16:05 srv sshd[32310]: Connection closed by 81.2.69.150 [preauth]
<38>Feb 12 04:09:18 gw1 sshd-session[5120]: Connection from 81.2.69.160 port 51400 on 10.0.0.2 port 22
<38>Feb 12 04:09:19 gw1 sshd-session[5120]: User root not allowed because account is locked
<38>Feb 12 04:09:20 gw1 sshd: Disconnecting: Too many authentication failures [preauth]
IN
cat > "$RS/expect" <<'EXP'
Connection from 81.2.69.140 port 51353 on 10.0.0.2 port 22	
Disconnecting: Too many authentication failures [preauth]	
Disconnecting: Too many authentication failures for root [preauth]	{"kind":"auth","outcome":"failure","reason":"other","daemon":"sshd","service":"ssh","tls":true,"user":"root","ip":"81.2.69.140","port":51353,"correlated":true,"geo":{"scope":"public"}}
Connection closed by 81.2.69.141 port 4000 [preauth]	{"kind":"auth","outcome":"failure","reason":"other","daemon":"sshd","service":"ssh","tls":true,"ip":"81.2.69.141","port":4000,"correlated":true,"geo":{"scope":"public"}}
User root not allowed because account is locked	
error: Received disconnect from 81.2.69.145: 11: Bye Bye [preauth]	{"kind":"auth","outcome":"failure","reason":"disabled","daemon":"sshd","service":"ssh","tls":true,"ip":"81.2.69.145","correlated":true,"geo":{"scope":"public"}}
Failed publickey for git from 81.2.69.150 port 57910 ssh2: RSA 14:ba:00:00:00:00:00:00:00:00:00:00:00:00:00:00	{"kind":"auth","outcome":"failure","reason":"other","daemon":"sshd","service":"ssh","tls":true,"mech":"PUBLICKEY","user":"git","ip":"81.2.69.150","port":57910,"counted":false,"geo":{"scope":"public"}}
Disconnecting: Too many authentication failures for git [preauth]	{"kind":"auth","outcome":"failure","reason":"other","daemon":"sshd","service":"ssh","tls":true,"user":"git","ip":"81.2.69.150","port":57910,"correlated":true,"geo":{"scope":"public"}}
Connection closed by 81.2.69.150 [preauth]	
Connection from 81.2.69.160 port 51400 on 10.0.0.2 port 22	
User root not allowed because account is locked	{"kind":"auth","outcome":"failure","reason":"disabled","daemon":"sshd","service":"ssh","tls":true,"user":"root","ip":"81.2.69.160","port":51400,"correlated":true,"geo":{"scope":"public"}}
Disconnecting: Too many authentication failures [preauth]	
EXP
rs_send_file "$RS/in"
if rs_wait_lines "$RS/out" 12 "$T"; then
  rs_stop
  python3 "$TOP_SRCDIR/tests/rsyslog/expect.py" sessions "$RS/out" "$RS/expect" | tee "$RS/result"
  RS_PASS=$((RS_PASS + $(grep -c '^PASS' "$RS/result"))); RS_FAIL=$((RS_FAIL + $(grep -c '^FAIL' "$RS/result")))
else
  fail "sessions: rsyslogd wrote $(wc -l < "$RS/out" 2>/dev/null) of 12 lines"
fi
rs_valgrind_check sessions
rs_stop
[ "$RS_FAIL" -eq 0 ] && rm -rf "$RS"

# ---------------------------------------------------------------- 2
rs_new sessions-workers
N=2000
# a ruleset queue: the module and the output in the same four workers, small
# batches so that many connections straddle two of them
cat > "$RS/rsyslog.conf" <<CONF
global(workDirectory="$RS/work" maxMessageSize="64k")
module(load="imptcp")
module(load="$MODULE")
template(name="mmap_out" type="string" string="%msg%\t%\$!auth%\n")
input(type="imptcp" address="127.0.0.1" port="0" listenPortFileName="$RS/port" ruleset="main")
ruleset(name="main" queue.type="LinkedList" queue.workerThreads="4"
        queue.workerThreadMinimumMessages="100" queue.dequeueBatchSize="16" queue.size="50000") {
  action(type="mmauthparse" detect="off")
  action(type="omfile" file="$RS/out" template="mmap_out")
}
CONF
rs_start || { fail "sessions-workers: rsyslogd start"; exit 1; }
python3 - "$RS/in" "$N" <<'PY'
import sys
n = int(sys.argv[2])
with open(sys.argv[1], "w") as f:
    for i in range(n):
        pid = 10000 + i
        ip = "10.%d.%d.%d" % (i // 65536, i // 256 % 256, i % 256 + 0)
        port = 1024 + i
        f.write("<38>Feb 12 04:09:18 gw sshd[%d]: Connection from %s port %d on 10.255.0.1 port 22\n"
                % (pid, ip, port))
        f.write("<38>Feb 12 04:09:19 gw sshd[%d]: Disconnecting: Too many authentication failures [preauth]\n" % pid)
        f.write("<38>Feb 12 04:09:20 gw sshd[%d]: Connection closed by %s port %d [preauth]\n" % (pid, ip, port))
PY
rs_send_file "$RS/in"
if rs_wait_lines "$RS/out" $((3 * N)) "$T"; then
  rs_stop
  python3 - "$RS/out" "$N" <<'PY' | tee "$RS/result"
import json, re, sys
n = int(sys.argv[2])
events = {}
wrong = bad = 0
for line in open(sys.argv[1], encoding="utf-8"):
    msg, _, js = line.rstrip("\n").partition("\t")
    if not js.strip():
        continue
    ev = json.loads(js)
    m = re.search(r"by (10\.\d+\.\d+\.\d+) port (\d+)", msg)
    if ev.get("correlated") is not True or ev.get("reason") != "other":
        bad += 1
        continue
    port = ev.get("port")
    i = port - 1024
    want = "10.%d.%d.%d" % (i // 65536, i // 256 % 256, i % 256)
    if ev.get("ip") != want or (m and m.group(1) != want):
        wrong += 1
    events[port] = events.get(port, 0) + 1
dup = sum(1 for v in events.values() if v > 1)
print("%s sessions-workers: no event with another connection's address (%d wrong)"
      % ("PASS" if wrong == 0 else "FAIL", wrong))
print("%s sessions-workers: no connection reported twice (%d twice), no other event (%d)"
      % ("PASS" if dup == 0 and bad == 0 else "FAIL", dup, bad))
print("%s sessions-workers: %d of %d verdicts got their address"
      % ("PASS" if len(events) >= n * 9 // 10 else "FAIL", len(events), n))
PY
  RS_PASS=$((RS_PASS + $(grep -c '^PASS' "$RS/result"))); RS_FAIL=$((RS_FAIL + $(grep -c '^FAIL' "$RS/result")))
else
  fail "sessions-workers: rsyslogd wrote $(wc -l < "$RS/out" 2>/dev/null) of $((3 * N)) lines"
fi
rs_valgrind_check sessions-workers
[ "$RS_FAIL" -eq 0 ]
