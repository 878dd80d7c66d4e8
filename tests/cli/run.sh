#!/bin/sh
# tests/cli/run.sh BINARY - tests of the command-line tool: the parse
# command over vpopmail lines, its options and errors, hostile input, and
# the report (text, json, html) and follow commands over a crafted file of
# enriched events whose counts were worked out by hand (see the comments).
#
# Prints "PASS <name>" or "FAIL <name>: <why>" per check; exits 1 if any
# check failed.  Needs python3 (for semantic JSON comparison).
# SPDX-License-Identifier: Apache-2.0
set -u

BIN=${1:?usage: tests/cli/run.sh path/to/mmauthparse}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/mmauthparse-cli.XXXXXX")
FOLLOW_PID=
cleanup() {
	[ -n "$FOLLOW_PID" ] && kill "$FOLLOW_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

npass=0
nfail=0
pass() { echo "PASS $1"; npass=$((npass + 1)); }
fail() { echo "FAIL $1: $2"; nfail=$((nfail + 1)); }
# check NAME COMMAND...: pass when the command succeeds
check() {
	name=$1
	shift
	if "$@" >"$T/check.out" 2>&1; then
		pass "$name"
	else
		fail "$name" "$(head -c 400 "$T/check.out" | tr '\n' ' ')"
	fi
}

# JSON checks are queued and run by one python3 process at the end (its
# start-up is the slowest thing here):
#   jsonl_eq NAME GOT WANT   the same number of lines, each the same JSON
#                            value (key order and spacing ignored)
#   pyexpr NAME FILE EXPR    EXPR (python; the JSON document is `d`) is true
#   jsonl_valid NAME FILE    every line of FILE is JSON
#   pylines NAME FILE EXPR   EXPR is true; `d` is the list of JSON lines
QUEUE=$T/queue
: >"$QUEUE"
jsonl_eq() { printf 'jsonl\t%s\t%s\t%s\n' "$1" "$2" "$3" >>"$QUEUE"; }
pyexpr() { printf 'expr\t%s\t%s\t%s\n' "$1" "$2" "$3" >>"$QUEUE"; }
pylines() { printf 'lines\t%s\t%s\t%s\n' "$1" "$2" "$3" >>"$QUEUE"; }
jsonl_valid() { printf 'valid\t%s\t%s\t-\n' "$1" "$2" >>"$QUEUE"; }
run_queue() {
	python3 - "$QUEUE" <<'EOF'
import json, sys
def lines(path):
    return open(path, encoding="utf-8", errors="surrogateescape").read().splitlines()
for row in open(sys.argv[1], encoding="utf-8").read().splitlines():
    kind, name, a, b = row.split("\t", 3)
    try:
        if kind == "jsonl":
            got, want = lines(a), lines(b)
            if len(got) != len(want):
                raise AssertionError("got %d lines, want %d" % (len(got), len(want)))
            for i, (g, w) in enumerate(zip(got, want), 1):
                if json.loads(g) != json.loads(w):
                    raise AssertionError("line %d: got %s want %s" % (i, g, w))
        elif kind == "lines":
            d = [json.loads(l) for l in lines(a)]
            if not eval(b):
                raise AssertionError("false: " + b)
        elif kind == "expr":
            d = json.load(open(a, encoding="utf-8"))
            if not eval(b):
                raise AssertionError("false: " + b)
        else:
            for i, l in enumerate(open(a, encoding="utf-8"), 1):
                json.loads(l)
        print("PASS " + name)
    except Exception as e:
        print("FAIL %s: %s" % (name, str(e)[:400]))
EOF
}

has() { grep -q -F -- "$2" "$1" || { echo "missing: $2"; return 1; }; }
hasnt() { ! grep -q -i -F -- "$2" "$1" || { echo "present: $2"; return 1; }; }
has_re() { grep -q -E -- "$2" "$1" || { echo "no line matches: $2"; return 1; }; }

IN=$HERE/parse-input.log
WANT=$HERE/parse-expected.jsonl
REP=$HERE/report-input.jsonl

# ------------------------------------------------------------------ parse
# parse-input.log: 9 lines (the last without a newline): 5 vpopmail events,
# a vpopmail text under the kernel tag, a non-credential vchkpw line, a
# postfix connect line and an empty line.
"$BIN" --year 2026 --aligned "$IN" >"$T/aligned.out" 2>"$T/err"; rc=$?
check "parse: --aligned exits 0" test "$rc" = 0
jsonl_eq "parse: --aligned gives one line per input line, {} for noise" "$T/aligned.out" "$WANT"

"$BIN" --year 2026 "$IN" >"$T/plain.out"
grep -v '^{}$' "$WANT" >"$T/want-events"
jsonl_eq "parse: one object per event" "$T/plain.out" "$T/want-events"

"$BIN" --year 2026 <"$IN" >"$T/stdin.out"
jsonl_eq "parse: standard input" "$T/stdin.out" "$T/want-events"
"$BIN" --year 2026 - <"$IN" >"$T/dash.out"
jsonl_eq "parse: '-' is standard input" "$T/dash.out" "$T/want-events"
cat "$IN" | "$BIN" parse --year 2026 >"$T/pipe.out"
jsonl_eq "parse: explicit parse command over a pipe" "$T/pipe.out" "$T/want-events"

# --with-message: time (the stamp with --year), host, the redacted message
"$BIN" --year 2026 --with-message "$IN" >"$T/msg.out"
head -n 1 "$T/msg.out" >"$T/msg1.out"
cat >"$T/msg1.want" <<'EOF'
{"time":"2026-03-03T04:11:09Z","host":"mx2","kind":"auth","outcome":"failure","reason":"bad_password","daemon":"vpopmail","service":"imap","tls":true,"user":"sales@shop.example","domain":"shop.example","ip":"198.51.100.77","password_redacted":true,"geo":{"scope":"reserved"},"message":"vchkpw-imaps: password fail (pass: [REDACTED]) sales@shop.example:198.51.100.77"}
EOF
jsonl_eq "parse: --with-message adds time, host and the redacted message" "$T/msg1.out" "$T/msg1.want"
check "parse: --with-message never shows the password" hasnt "$T/msg.out" "hunter2"
check "parse: --with-message on every event" test "$(grep -c '"message":' "$T/msg.out")" = 5
"$BIN" --year 2026 --with-message --no-redact "$IN" | head -n 1 >"$T/noredact.out"
check "parse: --no-redact keeps the password in the message" has "$T/noredact.out" "(pass: 'hunter2')"
check "parse: --no-redact sets no password_redacted" hasnt "$T/noredact.out" "password_redacted"

# --tag: imfile-style lines (no syslog frame) under a tag
printf 'vchkpw-pop3: password fail user1@xxxx.com:192.168.2.1\nhello\n' >"$T/tagged"
"$BIN" --tag vpopmail --aligned "$T/tagged" >"$T/tagged.out"
cat >"$T/tagged.want" <<'EOF'
{"kind":"auth","outcome":"failure","reason":"bad_password","daemon":"vpopmail","service":"pop3","user":"user1@xxxx.com","domain":"xxxx.com","ip":"192.168.2.1","geo":{"scope":"private"}}
{}
EOF
jsonl_eq "parse: --tag treats every line as a message under the tag" "$T/tagged.out" "$T/tagged.want"
# --tag with --with-message: the tag is not in the line, so there is no host
# (this once read before the line and died with SIGSEGV on every event)
printf "vchkpw-pop3: password fail (pass: 'Secret123') u@example.com:81.2.69.160\n" >"$T/tagmsg"
"$BIN" -t vpopmail -m "$T/tagmsg" >"$T/tagmsg.out" 2>"$T/tagmsg.err"; rc=$?
check "parse: -t TAG -m exits 0 (no crash)" test "$rc" = 0
cat >"$T/tagmsg.want" <<'EOF'
{"kind":"auth","outcome":"failure","reason":"bad_password","daemon":"vpopmail","service":"pop3","user":"u@example.com","domain":"example.com","ip":"81.2.69.160","password_redacted":true,"geo":{"scope":"public"},"message":"vchkpw-pop3: password fail (pass: [REDACTED]) u@example.com:81.2.69.160"}
EOF
jsonl_eq "parse: -t TAG -m: no host, the redacted message" "$T/tagmsg.out" "$T/tagmsg.want"
check "parse: -t TAG -m never shows the password" hasnt "$T/tagmsg.out" "Secret123"
# a file-format line found by --auto: its tag is not in the line either
printf '2013-01-04 17:03:46 login authenticator failed for h.example ([192.168.2.33]) [24.106.174.74]: 535 Incorrect authentication data (set_id=brian)\n' >"$T/automsg"
"$BIN" -m "$T/automsg" >"$T/automsg.out"; rc=$?
check "parse: --auto -m exits 0" test "$rc" = 0
pylines "parse: --auto -m: exim line, time and message, no host" "$T/automsg.out" 'len(d) == 1 and "host" not in d[0] and d[0]["time"] == "2013-01-04T17:03:46Z" and d[0]["user"] == "brian" and d[0]["message"].startswith("2013-01-04 17:03:46 login authenticator failed")'
"$BIN" --aligned "$T/tagged" >"$T/untagged.out"
printf '{}\n{}\n' >"$T/empty2.want"
jsonl_eq "parse: without --tag a frameless vpopmail text is no event" "$T/untagged.out" "$T/empty2.want"

# --program: a further tag for a family
printf 'Mar  3 04:11:09 mx2 mailauth[5]: vchkpw-pop3: password fail user1@xxxx.com:192.168.2.1\n' >"$T/prog"
"$BIN" --aligned "$T/prog" >"$T/prog0.out"
printf '{}\n' >"$T/empty1.want"
jsonl_eq "parse: an unknown tag is never parsed" "$T/prog0.out" "$T/empty1.want"
"$BIN" --program mailauth=vpopmail "$T/prog" >"$T/prog1.out"
check "parse: --program maps a tag to a family" has "$T/prog1.out" '"user":"user1@xxxx.com"'

# the line splitter (core/split.c): the frames a log file may hold, with
# the time and host --with-message shows (worked out by hand from each line)
printf '%s\n' \
	'2026-11-23T06:10:02.123456+01:00 web1 sshd[811]: Failed password for root from 81.2.69.1 port 22 ssh2' \
	'<38>1 2019-07-08T17:40:16.954167-04:00 host5.example.com sshd 57915 - - Failed password for invalid user redmond from 81.2.69.2 port 59197 ssh2' \
	'<38>1 2019-07-08T17:40:17Z host6 sshd 55555 ID47 [timeQuality tzKnown="1" isSynced="0"][x@123 test="[br\]ack] \"q\" from 6.6.6.6"] Failed password for root from 81.2.69.3 port 2 ssh2' \
	'<38>1 - - sshd - - - Failed password for root from 81.2.69.5 port 4 ssh2' \
	'@400000004c91b044077a9e94 imap-login: Info: Aborted login (auth failed, 1 attempts): user=<ann>, method=PLAIN, rip=81.2.69.6, lip=10.0.0.1, TLS' \
	'@400000004c91b045077a9e94 dovecot-auth: pam_unix(dovecot:auth): authentication failure; logname= uid=0 euid=0 tty=dovecot ruser=web rhost=81.2.69.7' \
	'2019-10-22 03:39:17 mx1.example.net exim[29786]: dovecot_login authenticator failed for (User) [81.2.69.8]: 535 Incorrect authentication data (set_id=test@example.com)' \
	'2013-08-11 03:56:40 auth-worker(default): Info: pam(username,81.2.69.9): pam_authenticate() failed: Authentication failure (password mismatch?)' \
	'2024-01-04 17:03:46 [4711] dovecot_login authenticator failed for (x) [81.2.69.10]:40000 I=[10.0.0.1]:587: 535 Incorrect authentication data (set_id=bob)' \
	'81.2.69.12 # lfd: (sshd) Failed SSH login from 81.2.69.12 (GB/United Kingdom/-): 5 in the last 3600 secs - Wed Jan  1 00:00:00 2025' \
	'2001:db8::12 # lfd: (imapd) Failed IMAP login from 2001:db8::12 (-): 10 in the last 3600 secs - Wed Jan  1 00:00:00 2025' \
	'81.2.69.13 # Manually denied: Failed SSH login from 81.2.69.13 (-): 5 in the last 3600 secs' \
	'Mar  3 00:17:22 [sshd]: User root from 81.2.69.14 not allowed because not listed in AllowUsers' \
	'2024-01-04 17:03:48 H=(x) [81.2.69.15]: sshd[1]: Failed password for root from 81.2.69.15 port 5 ssh2' \
	'Jun 25 23:53:34 [sshd] User root from 81.2.69.16 not allowed because not listed in AllowUsers' \
	'Jun 25 23:53:35 host [sshd] User root from 81.2.69.17 not allowed because not listed in AllowUsers' \
	>"$T/frames.log"
printf '<38>1 2019-07-08T17:40:18Z host7 sshd - - - \357\273\277Failed password for root from 81.2.69.4 port 3 ssh2\n' >>"$T/frames.log"
"$BIN" --year 2026 --aligned --with-message "$T/frames.log" >"$T/frames.out"
pylines "split: RFC 3339 stamp with fraction and offset (RSYSLOG_FileFormat)" "$T/frames.out" 'd[0].get("time") == "2026-11-23T05:10:02Z" and d[0].get("host") == "web1" and d[0].get("ip") == "81.2.69.1"'
pylines "split: RFC 5424 without structured data" "$T/frames.out" 'd[1].get("time") == "2019-07-08T21:40:16Z" and d[1].get("host") == "host5.example.com" and d[1].get("user") == "redmond" and d[1].get("ip") == "81.2.69.2"'
pylines "split: RFC 5424 structured data with escaped ] and quotes is skipped" "$T/frames.out" 'd[2].get("host") == "host6" and d[2].get("user") == "root" and d[2].get("ip") == "81.2.69.3" and d[2].get("message") == "Failed password for root from 81.2.69.3 port 2 ssh2"'
pylines "split: RFC 5424 nil time stamp and host" "$T/frames.out" '"host" not in d[3] and d[3].get("ip") == "81.2.69.5"'
pylines "split: RFC 5424 message after a UTF-8 BOM" "$T/frames.out" 'd[16].get("host") == "host7" and d[16].get("ip") == "81.2.69.4" and d[16].get("message", "").startswith("Failed password")'
pylines "split: TAI64N stamp (multilog) before a dovecot line" "$T/frames.out" 'd[4].get("time") == "2010-09-16T05:50:50Z" and "host" not in d[4] and d[4].get("daemon") == "dovecot" and d[4].get("ip") == "81.2.69.6" and d[4].get("attempts") == 1'
pylines "split: TAI64N stamp before dovecot-auth's pam_unix line" "$T/frames.out" 'd[5].get("time") == "2010-09-16T05:50:51Z" and d[5].get("outcome") == "failure" and d[5].get("user") == "web" and d[5].get("ip") == "81.2.69.7"'
pylines "split: YYYY-MM-DD hh:mm:ss host tag[pid]: (exim to syslog)" "$T/frames.out" 'd[6].get("time") == "2019-10-22T03:39:17Z" and d[6].get("host") == "mx1.example.net" and d[6].get("daemon") == "exim" and d[6].get("ip") == "81.2.69.8"'
pylines "split: dovecot's own log (YYYY-MM-DD hh:mm:ss auth-worker(default):)" "$T/frames.out" 'd[7].get("daemon") == "dovecot" and d[7].get("ip") == "81.2.69.9" and d[7].get("user") == "username"'
pylines "split: an exim mainlog line is still no syslog frame (--auto finds it)" "$T/frames.out" 'd[8].get("daemon") == "exim" and d[8].get("user") == "bob" and d[8].get("ip") == "81.2.69.10"'
pylines "split: a csf.deny line is lfd's (no --tag)" "$T/frames.out" 'd[9].get("kind") == "block" and d[9].get("daemon") == "lfd" and d[9].get("ip") == "81.2.69.12" and "host" not in d[9] and "time" not in d[9]'
pylines "split: a csf.deny line with an IPv6 address" "$T/frames.out" 'd[10].get("kind") == "block" and d[10].get("ip") == "2001:db8::12"'
pylines "split: a csf.deny line not written by lfd is no event" "$T/frames.out" 'd[11] == {}'
pylines "split: a bracketed program name without pid" "$T/frames.out" 'd[12].get("daemon") == "sshd" and d[12].get("ip") == "81.2.69.14"'
pylines "split: after a YYYY-MM-DD stamp a bracketed address is no host or tag" "$T/frames.out" 'd[13] == {}'
pylines "split: an old logger's [prog] without ':' right after the stamp" "$T/frames.out" 'd[14].get("daemon") == "sshd" and d[14].get("ip") == "81.2.69.16" and "host" not in d[14]'
pylines "split: ... but not after a host word" "$T/frames.out" 'd[15] == {}'

# sshd's connection table: the lines of one connection (host and pid) are read
# together, in the order of the file (expected values worked out by hand)
printf '%s\n' \
	'Feb 12 04:09:18 gw1 sshd[26713]: Connection from 81.2.69.140 port 51353 on 10.0.0.2 port 22' \
	'Feb 12 04:09:19 gw2 sshd[26713]: Disconnecting: Too many authentication failures [preauth]' \
	'Feb 12 04:09:21 gw1 sshd[26713]: Disconnecting: Too many authentication failures for root [preauth]' \
	'Feb 12 04:09:22 gw2 sshd[26713]: Connection closed by 81.2.69.141 port 4000 [preauth]' \
	'gw3 sshd[77]: User root not allowed because account is locked' \
	'gw3 sshd[77]: Received disconnect from 81.2.69.142 port 4001:11: Bye Bye [preauth]' \
	'Feb 12 04:09:30 gw1 sshd[26714]: Disconnecting: Too many authentication failures [preauth]' \
	>"$T/sess.log"
"$BIN" --year 2026 --aligned "$T/sess.log" >"$T/sess.out"
pylines "sessions: Connection from gives a later verdict its address" "$T/sess.out" 'd[0] == {} and d[2].get("ip") == "81.2.69.140" and d[2].get("port") == 51353 and d[2].get("user") == "root" and d[2].get("reason") == "other" and d[2].get("correlated") is True'
pylines "sessions: the same pid on another host is another connection" "$T/sess.out" 'd[1] == {} and d[3].get("ip") == "81.2.69.141" and d[3].get("port") == 4000 and d[3].get("correlated") is True and "user" not in d[3]'
pylines "sessions: lines without a time stamp (journal export) are joined too" "$T/sess.out" 'd[4] == {} and d[5].get("ip") == "81.2.69.142" and d[5].get("reason") == "disabled" and d[5].get("correlated") is True'
pylines "sessions: a verdict of a connection never seen waits" "$T/sess.out" 'd[6] == {}'
# --tag hands the messages over under a tag without pid: each is read alone
printf '%s\n' 'Connection from 81.2.69.143 port 51353 on 10.0.0.2 port 22' \
	'Disconnecting: Too many authentication failures [preauth]' \
	'Connection closed by 81.2.69.143 port 51353 [preauth]' >"$T/sess-msg.log"
"$BIN" --tag sshd --aligned "$T/sess-msg.log" >"$T/sess-tag.out"
pylines "sessions: without a pid nothing is joined" "$T/sess-tag.out" 'd == [{}, {}, {}]'
"$BIN" --tag 'sshd[4242]:' --aligned "$T/sess-msg.log" >"$T/sess-tag2.out"
pylines "sessions: --tag with a pid joins the lines" "$T/sess-tag2.out" 'd[0] == {} and d[1].get("ip") == "81.2.69.143" and d[1].get("correlated") is True and d[2] == {}'

# --stats
"$BIN" --year 2026 --stats "$IN" >/dev/null 2>"$T/stats"
check "parse: --stats counts parsed lines" has "$T/stats" "parsed=5"
check "parse: --stats counts unparsed lines" has "$T/stats" "unparsed=4"
check "parse: --stats counts per family" has "$T/stats" "family.vpopmail=5"
check "parse: --stats counts redactions" has "$T/stats" "redacted=1"

# errors
"$BIN" "$T/no-such-file" >"$T/out" 2>"$T/err"; rc=$?
check "parse: a missing file exits 1" test "$rc" = 1
check "parse: a missing file is named in the message" has "$T/err" "$T/no-such-file"
"$BIN" "$T/no-such-file" "$IN" >"$T/out" 2>/dev/null; rc=$?
check "parse: the other files are still read after a missing one" test "$rc" = 1 -a "$(wc -l <"$T/out")" -eq 5
"$BIN" --no-such-option "$IN" >/dev/null 2>"$T/err"; rc=$?
check "parse: an unknown option exits 2" test "$rc" = 2
check "parse: an unknown option is named" has "$T/err" "--no-such-option"
"$BIN" --tag >/dev/null 2>&1; rc=$?
check "parse: a missing option argument exits 2" test "$rc" = 2
"$BIN" --year 19x "$IN" >/dev/null 2>&1; rc=$?
check "parse: a bad --year exits 2" test "$rc" = 2
"$BIN" --program nofamily "$IN" >/dev/null 2>"$T/err"; rc=$?
check "parse: a bad --program exits 2 with a message" test "$rc" = 2 -a -s "$T/err"
"$BIN" --program mailauth=nosuchfamily "$IN" >/dev/null 2>&1; rc=$?
check "parse: an unknown family exits 2" test "$rc" = 2
"$BIN" --bruteforce 10 "$IN" >/dev/null 2>&1; rc=$?
check "parse: --bruteforce without /WINDOW exits 2" test "$rc" = 2
"$BIN" --set nosuch.threshold=3 "$IN" >/dev/null 2>&1; rc=$?
check "parse: --set with an unknown name exits 2" test "$rc" = 2
"$BIN" --set bruteforce.threshold=x "$IN" >/dev/null 2>&1; rc=$?
check "parse: --set with a bad number exits 2" test "$rc" = 2
"$BIN" --geoip "$T/no-such.mmdb" "$IN" >/dev/null 2>"$T/err"; rc=$?
check "parse: an unreadable --geoip database exits 2" test "$rc" = 2 -a -s "$T/err"
"$BIN" --help >"$T/help"; rc=$?
check "parse: --help exits 0 and shows the usage" test "$rc" = 0 -a -n "$(grep -F 'usage: mmauthparse' "$T/help")"

# detection and geo options reach the core
for i in 1 2 3 4; do
	echo "Mar  3 04:1$i:00 mx2 vpopmail[5$i]: vchkpw-pop3: password fail u$i@shop.example:203.0.113.80"
done >"$T/det.log"
"$BIN" --year 2026 --aligned "$T/det.log" >"$T/det0.out"
pylines "detect: no alert without --detect" "$T/det0.out" 'len(d) == 4 and not any("alert" in e for e in d)'
"$BIN" --year 2026 --aligned --bruteforce 3/600 "$T/det.log" >"$T/det1.out"; rc=$?
check "detect: --bruteforce T/W runs" test "$rc" = 0
pylines "detect: --bruteforce 3/600 fires on the third failure and after" "$T/det1.out" '[{k: v for k, v in e.get("alert", {}).get("bruteforce", {}).items() if k != "incident"} or None for e in d] == [None, None, {"count":3,"threshold":3,"window":600}, {"count":4,"threshold":3,"window":600}]'
# the third failure opens an incident, the fourth updates it (the id is
# random per run: the same in both, 16 hex digits)
pylines "detect: the alerts carry their incident" "$T/det1.out" '[{k: v for k, v in e["alert"]["bruteforce"]["incident"].items() if k != "id"} for e in d[2:]] == [{"state":"open","first_seen":"2026-03-03T04:11:00Z","last_seen":"2026-03-03T04:13:00Z","count":3}, {"state":"update","first_seen":"2026-03-03T04:11:00Z","last_seen":"2026-03-03T04:14:00Z","count":4}] and d[2]["alert"]["bruteforce"]["incident"]["id"] == d[3]["alert"]["bruteforce"]["incident"]["id"] and len(d[2]["alert"]["bruteforce"]["incident"]["id"]) == 16'
"$BIN" --year 2026 --aligned --detect --set bruteforce.threshold=4 --set BruteForce.window=60 "$T/det.log" >"$T/det2.out"
pylines "detect: --set DETECTOR.threshold/window (case-insensitive)" "$T/det2.out" '[e.get("alert", {}).get("bruteforce") for e in d] == [None, None, None, None]'
"$BIN" --year 2026 --aligned --detect --set bruteforce.threshold=4 --set bruteforce.window=3600 "$T/det.log" >"$T/det3.out"
pylines "detect: --set thresholds" "$T/det3.out" '[e.get("alert", {}).get("bruteforce", {}).get("threshold") for e in d] == [None, None, None, 4]'
"$BIN" --year 2026 --state-file "$T/det.state" "$T/det.log" >/dev/null; rc=$?
check "detect: --state-file is written at the end" test "$rc" = 0 -a -s "$T/det.state"

if [ -r "$HERE/../geo/mkfixture.pl" ] && perl -MMaxMind::DB::Writer::Tree -e1 2>/dev/null \
	&& perl "$HERE/../geo/mkfixture.pl" "$T/geo" >/dev/null 2>&1 && [ -r "$T/geo/geoip2-city.mmdb" ]; then
	echo "Mar  3 04:11:09 mx2 vpopmail[1]: vchkpw-pop3: password fail x@y:89.160.20.112" >"$T/geo.log"
	"$BIN" --geoip "$T/geo/geoip2-city.mmdb" --geoip "$T/geo/geolite2-asn.mmdb" --geoip-language de "$T/geo.log" >"$T/geo.out"
	pylines "geo: --geoip databases and --geoip-language reach the core" "$T/geo.out" 'd[0]["geo"]["country"] == "SE" and d[0]["geo"]["country_name"] == "Schweden" and d[0]["geo"]["asn"] == 64601'
else
	echo "SKIP geo: the fixture databases could not be built"
fi

# hostile input: random bytes with NULs, a 1.5 MB line without newline,
# a vpopmail line with a 1 MB password (and the large report input)
python3 - "$T" <<'EOF'
import random, sys
d = sys.argv[1]
r = random.Random(42)
with open(d + "/garbage", "wb") as f:
    for i in range(2000):
        n = r.randrange(0, 400)
        f.write(bytes(r.randrange(0, 256) for _ in range(n)).replace(b"\n", b"\0") + b"\n")
    f.write(b"Mar  3 04:11:09 mx2 vpopmail[1]: vchkpw-pop3: password fail (pass: '" + b"\0\xff" * 1000 + b"') x@y:1.2.3.4\n")
    f.write(b"Mar  3 04:11:09 mx2 vpopmail[1]: vchkpw-pop3: password fail (pass: '" + b"A" * 1000000 + b"') big@example.org:1.2.3.4\n")
    f.write(b"Mar  3 04:11:09 mx2 vpopmail[1]: " + b"vchkpw-pop3: " * 120000)
# for the report: 60000 distinct failing addresses and one heavy hitter
with open(d + "/big.jsonl", "w") as f:
    for i in range(60000):
        ip = "10.%d.%d.%d" % (i >> 16, (i >> 8) & 255, i & 255)
        f.write('{"time":"2026-03-03T10:00:00Z","kind":"auth","outcome":"failure","daemon":"x","user":"u%d","ip":"%s"}\n' % (i, ip))
        if i % 5 == 0:
            f.write('{"time":"2026-03-03T11:00:00Z","kind":"auth","outcome":"failure","daemon":"x","user":"root","ip":"203.0.113.1"}\n')
EOF
"$BIN" --aligned --with-message "$T/garbage" >"$T/garbage.out" 2>"$T/err"; rc=$?
check "hostile: random bytes, NULs and huge lines do not crash" test "$rc" = 0
check "hostile: --aligned keeps one line per input line" test "$(wc -l <"$T/garbage.out")" = 2003
check "hostile: the 1 MB password is redacted" has "$T/garbage.out" '"user":"big@example.org"'
check "hostile: no password bytes survive" hasnt "$T/garbage.out" "AAAAAAAAAAAAAAAA"
jsonl_valid "hostile: output is valid JSON lines" "$T/garbage.out"
head -c 100000 /dev/urandom >"$T/urandom"
"$BIN" --tag vpopmail "$T/urandom" >/dev/null 2>&1; rc=$?
check "hostile: random bytes under a family tag do not crash" test "$rc" -lt 2

# ------------------------------------------------------------------ report
# report-input.jsonl, worked out by hand: 23 lines, 5 of them not events
# (text, {}, an array, kind "weird", a cut line); 18 events: 11 failures
# (203.0.113.50 CN x5, 198.51.100.7 NL x3, 192.0.2.33 US x2, 10.0.0.5
# private x1), 4 successes (sales@ from .7 with a compromise alert after 3
# failures, info@ from .50 after 5 failures, bob@ twice without TLS),
# 1 unknown, 2 lfd blocks; first 04:00:00, last 06:30:00.
"$BIN" report "$REP" >"$T/rep.txt" 2>"$T/err"; rc=$?
check "report text: exits 0" test "$rc" = 0
check "report text: lines" has "$T/rep.txt" "Lines   : 23 read, 18 events, 5 skipped"
check "report text: totals" has "$T/rep.txt" "Events  : 11 failures, 4 successes, 1 unknown, 2 blocks"
check "report text: span from" has "$T/rep.txt" "From    : 2026-03-03 04:00:00"
check "report text: span to" has "$T/rep.txt" "To      : 2026-03-03 06:30:00  (2h 30m 0s)"
check "report text: top address with country and AS" has_re "$T/rep.txt" '^203\.0\.113\.50 +5 +CN China +AS4134 Chinanet$'
check "report text: second address" has_re "$T/rep.txt" '^198\.51\.100\.7 +3 +NL Netherlands +AS64500 Example Hosting BV$'
check "report text: private address" has_re "$T/rep.txt" '^10\.0\.0\.5 +1 +\(private\)$'
check "report text: top country" has_re "$T/rep.txt" '^5 +CN +China$'
check "report text: top login" has_re "$T/rep.txt" '^5 +admin@example\.com$'
check "report text: plaintext logins" has "$T/rep.txt" "2 successful logins without TLS"
check "report text: plaintext account" has_re "$T/rep.txt" '^2 +bob@example\.com +pop3 +10\.0\.0\.9$'
check "report text: successes after failures" has "$T/rep.txt" "2 in all: 1 flagged by the compromise detector, 2 from an address that failed earlier in this input"
check "report text: compromise line" has_re "$T/rep.txt" 'sales@example\.com +198\.51\.100\.7 +NL +vpopmail/pop3 +3 failures before +\[compromise alert\]'
check "report text: block with related accounts" has "$T/rep.txt" "related accounts: admin@example.com (imap) x3, info@example.com (imap) x2"
check "report text: block without related gets the failing accounts" has "$T/rep.txt" "failed earlier from this address: <script>alert(1)</script>"
# alerts of before incidents (no incident object): one incident per detector and key
check "report text: incidents from alerts without an incident object" has_re "$T/rep.txt" '^203\.0\.113\.50 +bruteforce +2026-03-03 04:04:00 +0s +5 +open +CN +info@example\.com$'
check "report text: incidents summary" has "$T/rep.txt" "3 incidents (0 closed, 3 open at the end of the input)"
"$BIN" report --top 2 "$REP" >"$T/rep-top2.txt"
check "report text: incidents beyond --top are counted and said so" has "$T/rep-top2.txt" \
  "3 incidents (0 closed, 3 open at the end of the input); the 2 largest listed (--top)"
check "report text: timeline" has_re "$T/rep.txt" '^2026-03-03 05:00 +5 +#+$'
"$BIN" report --last 3 "$REP" >"$T/rep3.txt"
check "report text: --last 3 keeps the three newest failures" test "$(sed -n '/^Last 3 attacks/,/^$/p' "$T/rep3.txt" | grep -c '^2026')" = 3

"$BIN" report --format json "$REP" >"$T/rep.json"; rc=$?
check "report json: exits 0 and is one object" test "$rc" = 0 -a "$(wc -l <"$T/rep.json")" = 1
pyexpr "report json: totals" "$T/rep.json" 'd["totals"] == {"events":18,"failures":11,"successes":4,"unknown":1,"blocks":2}'
pyexpr "report json: lines" "$T/rep.json" 'd["lines"] == {"read":23,"events":18,"skipped":5,"closed_incidents":0}'
pyexpr "report json: span" "$T/rep.json" 'd["span"]["first_utc"] == "2026-03-03T04:00:00Z" and d["span"]["last_utc"] == "2026-03-03T06:30:00Z" and d["span"]["seconds"] == 9000'
pyexpr "report json: top addresses" "$T/rep.json" '[(a["ip"], a["count"], a.get("country")) for a in d["top_addresses"]] == [("203.0.113.50",5,"CN"),("198.51.100.7",3,"NL"),("192.0.2.33",2,"US"),("10.0.0.5",1,None)]'
pyexpr "report json: AS of the top address" "$T/rep.json" 'd["top_addresses"][0]["asn"] == 4134 and d["top_addresses"][0]["as_org"] == "Chinanet"'
pyexpr "report json: top countries" "$T/rep.json" '[(c["country"], c["count"]) for c in d["top_countries"]] == [("CN",5),("NL",3),("US",2),("(private)",1)]'
pyexpr "report json: top logins" "$T/rep.json" '[(l["user"], l["count"]) for l in d["top_logins"]] == [("admin@example.com",5),("<script>alert(1)</script>",2),("info@example.com",2),("sales@example.com",2)]'
pyexpr "report json: services" "$T/rep.json" '[(s["service"], s["events"], s["failures"], s["successes"]) for s in d["services"]] == [("imap",7,5,1),("pop3",6,3,3),("smtp",4,2,0),("webmail",1,1,0)]'
pyexpr "report json: daemons" "$T/rep.json" '[(s["daemon"], s["events"]) for s in d["daemons"]] == [("vpopmail",12),("postfix",3),("lfd",2),("roundcube",1)]'
pyexpr "report json: successes after failures" "$T/rep.json" 'd["successes_after_failures"]["total"] == 2 and d["successes_after_failures"]["compromise_alerts"] == 1 and [(x["user"], x.get("failures_before"), x["compromise_alert"]) for x in d["successes_after_failures"]["last"]] == [("sales@example.com",3,True),("info@example.com",5,False)]'
pyexpr "report json: plaintext logins" "$T/rep.json" 'd["plaintext_logins"]["total"] == 2 and d["plaintext_logins"]["top"][0]["user"] == "bob@example.com" and d["plaintext_logins"]["top"][0]["count"] == 2'
pyexpr "report json: blocks with related accounts" "$T/rep.json" 'd["blocks"]["total"] == 2 and d["blocks"]["last"][0]["ip"] == "203.0.113.50" and "admin@example.com (imap) x3" in d["blocks"]["last"][0]["related"] and d["blocks"]["last"][1]["failed_earlier"] == "<script>alert(1)</script>"'
pyexpr "report json: last attacks" "$T/rep.json" 'len(d["last_attacks"]) == 10 and d["last_attacks"][-1]["ip"] == "10.0.0.5" and d["last_attacks"][0]["time"] == "2026-03-03 04:01:00"'
pyexpr "report json: incidents from alerts without an incident object" "$T/rep.json" '[(x["detector"], x["key"], x["count"], x["state"], x.get("country"), x["accounts"]) for x in d["incidents"]["top"]] == [("bruteforce","203.0.113.50",5,"open","CN",["info@example.com"]),("compromise","198.51.100.7",3,"open","NL",["sales@example.com"]),("insecure","bob@example.com",1,"open",None,["bob@example.com"])] and "id" not in d["incidents"]["top"][0]'
# report-incidents.jsonl, by hand: a bruteforce incident of 203.0.113.9
# opened at 04:01 (first failure 04:00), updated at 04:02 (count 3), closed
# by a close record; a dictionary incident opened at 04:02 (count 3, one
# event: one account); a distributed incident of boss@ (count 10,
# 04:30-05:00).  Order: count, then first seen, then id.
RI=$HERE/report-incidents.jsonl
"$BIN" report "$RI" >"$T/ri.txt"
check "report incidents: summary" has "$T/ri.txt" "3 incidents (1 closed, 2 open at the end of the input)"
check "report incidents: the close record is no event" has "$T/ri.txt" "Lines   : 5 read, 4 events, 1 closed incidents, 0 skipped"
check "report incidents: the closed one, its span and accounts" has_re "$T/ri.txt" '^203\.0\.113\.9 +bruteforce +2026-03-03 04:00:00 +2m 0s +3 +closed +CN +root, info@example\.com$'
check "report incidents: a user-keyed incident" has_re "$T/ri.txt" '^boss@example\.com +distributed +2026-03-03 04:30:00 +30m 0s +10 +open +boss@example\.com$'
"$BIN" report --format json "$RI" >"$T/ri.json"
pyexpr "report incidents json: totals" "$T/ri.json" '{k: d["incidents"][k] for k in ("total","closed","open","not_listed")} == {"total":3,"closed":1,"open":2,"not_listed":0}'
pyexpr "report incidents json: the list" "$T/ri.json" '[(x["id"], x["detector"], x["key"], x["first_utc"], x["last_utc"], x["seconds"], x["count"], x["state"], x["accounts"]) for x in d["incidents"]["top"]] == [("cccccccccccccccc","distributed","boss@example.com","2026-03-03T04:30:00Z","2026-03-03T05:00:00Z",1800,10,"open",["boss@example.com"]),("aaaaaaaaaaaaaaaa","bruteforce","203.0.113.9","2026-03-03T04:00:00Z","2026-03-03T04:02:00Z",120,3,"closed",["root","info@example.com"]),("bbbbbbbbbbbbbbbb","dictionary","203.0.113.9","2026-03-03T04:00:00Z","2026-03-03T04:02:00Z",120,3,"open",["info@example.com"])]'
"$BIN" report --format html "$RI" >"$T/ri.html"
check "report incidents html: the table" has "$T/ri.html" "<h2>Incidents</h2>"
pyexpr "report json: hourly timeline" "$T/rep.json" '[(b["start"], b["failures"]) for b in d["timeline"]["buckets"]] == [("2026-03-03T04:00:00",5),("2026-03-03T05:00:00",5),("2026-03-03T06:00:00",1)]'
pyexpr "report json: exact below the counter cap" "$T/rep.json" 'd["approximate"] is False'

"$BIN" report --format html "$REP" >"$T/rep.html"; rc=$?
check "report html: exits 0" test "$rc" = 0
check "report html: one page" test "$(grep -c -i '<html' "$T/rep.html")" = 1 -a "$(grep -c -i '</html>' "$T/rep.html")" = 1
check "report html: inline SVG charts" test "$(grep -c '<svg' "$T/rep.html")" -ge 4
check "report html: no external reference (http)" hasnt "$T/rep.html" "http://"
# the one link is the DB-IP credit (the events carry countries); a link
# loads nothing, and the page's Content-Security-Policy forbids any load
check "report html: no https reference but the DB-IP credit" test "$(grep -o -i 'https://[^"]*' "$T/rep.html" | sort -u)" = "https://db-ip.com"
check "report html: no src=, one href= (the credit)" test -z "$(grep -i -E 'src=' "$T/rep.html")" -a "$(grep -o -i -E 'href=' "$T/rep.html" | wc -l)" = 1
check "report html: the DB-IP credit when geo data is used" has "$T/rep.html" '<a href="https://db-ip.com">IP Geolocation by DB-IP</a>'
check "report html: a Content-Security-Policy that allows no load" has "$T/rep.html" "content=\"default-src 'none'; style-src 'unsafe-inline'\""
check "report html: the world map with the countries shaded" test "$(grep -c '<path class="l[1-5]"' "$T/rep.html")" = 3
check "report html: China has the most failures (5 of 5: the top step)" has "$T/rep.html" '(CN): 5 failures</title>'
check "report html: generation time and host" has_re "$T/rep.html" "Generated by mmauthparse report at [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z on "
check "report html: every table says top N of M" has "$T/rep.html" '<p class="of">top 4 of 4 addresses</p>'
# a success after failures the detector flagged comes before an earlier
# one it did not flag
{
	printf '%s\n' '{"time":"2026-03-03T01:00:00Z","kind":"auth","outcome":"failure","daemon":"x","user":"u1","ip":"192.0.2.1"}'
	printf '%s\n' '{"time":"2026-03-03T01:01:00Z","kind":"auth","outcome":"success","daemon":"x","user":"early","ip":"192.0.2.1"}'
	printf '%s\n' '{"time":"2026-03-03T01:02:00Z","kind":"auth","outcome":"success","daemon":"x","user":"flagged","ip":"192.0.2.9","alert":{"compromise":{"count":3,"threshold":3,"window":3600}}}'
} >"$T/saf.jsonl"
"$BIN" report --format html "$T/saf.jsonl" >"$T/saf.html" 2>/dev/null
check "report html: successes after failures, compromise alerts first" test "$(sed -n '/<h2>Successes after failures/,/<\/table>/p' "$T/saf.html" | grep -o '<tr><td>[^<]*</td><td>[^<]*' | sed 's/.*<td>//' | tr '\n' ' ')" = "flagged early "
check "report html: no DB-IP credit without geo data" hasnt "$T/saf.html" "db-ip"
check "report html: no script element" hasnt "$T/rep.html" "<script"
check "report html: the user <script> is escaped" has "$T/rep.html" "&lt;script&gt;alert(1)&lt;/script&gt;"
check "report html: totals shown" has "$T/rep.html" "<b>11</b>failures"

# the report reads the parse command's own output
"$BIN" --year 2026 --with-message "$IN" | "$BIN" report --format json >"$T/own.json"
pyexpr "report: reads parse --with-message output" "$T/own.json" 'd["totals"]["failures"] == 3 and d["totals"]["successes"] == 2 and d["span"]["first"] == "2026-03-03 04:11:09" and d["span"]["last"] == "2026-03-03 04:18:00"'

# ------------------------------------------------------------------ raw input
# report reads raw logs itself (a file whose first non-empty line does not
# start with "{"), and .gz files: the same 3 failures and 2 successes as
# the parse | report pipe above; parse-input.log has 9 lines
"$BIN" report --year 2026 --format json "$IN" >"$T/raw.json" 2>"$T/raw.err"; rc=$?
check "report raw: exits 0" test "$rc" = 0
pyexpr "report raw: runs the parser over a raw syslog file" "$T/raw.json" 'd["totals"]["failures"] == 3 and d["totals"]["successes"] == 2 and d["lines"]["read"] == 9 and d["span"]["first"] == "2026-03-03 04:11:09" and d["span"]["last"] == "2026-03-03 04:18:00"'
check "report raw: one summary line on stderr, no progress when it is not a terminal" test "$(wc -l <"$T/raw.err")" = 1
check "report raw: the summary names lines, events and time" has_re "$T/raw.err" '^mmauthparse: report: 9 lines, 5 events in [0-9]+\.[0-9] s$'
gzip -c "$IN" >"$T/in.log.gz"
gzip -c "$REP" >"$T/rep.jsonl.gz"
"$BIN" report --year 2026 --format json "$T/in.log.gz" >"$T/rawgz.json" 2>/dev/null
pyexpr "report raw: reads a .gz raw log" "$T/rawgz.json" 'd["totals"]["failures"] == 3 and d["totals"]["successes"] == 2 and d["lines"]["read"] == 9'
"$BIN" report --format json "$T/rep.jsonl.gz" >"$T/repgz.json" 2>/dev/null
pyexpr "report: reads .gz events" "$T/repgz.json" 'd["totals"] == {"events":18,"failures":11,"successes":4,"unknown":1,"blocks":2}'
"$BIN" report --year 2026 --format json "$REP" "$T/in.log.gz" >"$T/mixed.json" 2>"$T/mixed.err"
pyexpr "report: events and a raw .gz log in one run, each file by its own kind" "$T/mixed.json" 'd["totals"]["failures"] == 14 and d["totals"]["successes"] == 6 and d["lines"]["read"] == 32'
check "report: the summary counts both files" has_re "$T/mixed.err" '^mmauthparse: report: 32 lines, 23 events in '
# detection runs on raw input: ten sshd failures from one address reach
# the bruteforce threshold (10) on the tenth
for i in 0 1 2 3 4 5 6 7 8 9; do
	printf 'Mar  3 05:00:0%s mx1 sshd[7]: Failed password for root from 203.0.113.5 port 22 ssh2\n' "$i"
done >"$T/ssh.log"
"$BIN" report --year 2026 --format json "$T/ssh.log" >"$T/ssh.json" 2>/dev/null
pyexpr "report raw: attack detection on raw input" "$T/ssh.json" 'd["totals"]["failures"] == 10 and [(i["detector"], i["key"], i["count"], i["state"]) for i in d["incidents"]["top"]] == [("bruteforce", "203.0.113.5", 10, "open")]'
"$BIN" report --year 2026 --no-detect --format json "$T/ssh.log" >"$T/ssh2.json" 2>/dev/null
pyexpr "report raw: --no-detect" "$T/ssh2.json" 'd["totals"]["failures"] == 10 and d["incidents"]["total"] == 0'
"$BIN" report --geoip "$T/no-such.mmdb" "$IN" >/dev/null 2>"$T/err"; rc=$?
check "report raw: an unreadable --geoip database exits 2" test "$rc" = 2 -a -s "$T/err"
# on a terminal (script(1) gives it one) a long run shows its progress
awk '{ for (i = 0; i < 40000; i++) print }' "$IN" >"$T/bigraw.log"
if command -v script >/dev/null 2>&1; then
	script -qfec "$BIN report --year 2026 $T/bigraw.log >/dev/null" /dev/null >"$T/tty.out" 2>&1
	check "report raw: progress on a terminal (bytes of the total, lines/s, time left)" has_re "$T/tty.out" 'MiB of [0-9.]+ MiB \([0-9]+%\), [0-9,]+ lines, [0-9,]+ lines/s, [0-9]+:[0-9]{2} left'
	check "report raw: the summary after the progress" has_re "$T/tty.out" 'report: 360,000 lines, 200,000 events in'
fi

"$BIN" report --format xml "$REP" >/dev/null 2>&1; rc=$?
check "report: an unknown format exits 2" test "$rc" = 2
"$BIN" report "$T/no-such-file" >/dev/null 2>"$T/err"; rc=$?
check "report: a missing file exits 1 with a message" test "$rc" = 1 -a -n "$(grep -F no-such-file "$T/err")"

# bounded memory: 60000 distinct addresses through 64 counters; the heavy
# hitter (12000 failures) must still come first
"$BIN" report --format json --max-keys 64 --top 3 "$T/big.jsonl" >"$T/big.json"; rc=$?
pyexpr "report: bounded counters keep the heavy hitter first" "$T/big.json" 'd["top_addresses"][0]["ip"] == "203.0.113.1" and d["top_addresses"][0]["count"] >= 12000 and d["top_logins"][0]["user"] == "root"'
pyexpr "report: approximate beyond the counter cap, and says so" "$T/big.json" 'd["approximate"] is True and d["totals"]["failures"] == 72000'

# ------------------------------------------------------------------ follow
F=$T/live.jsonl
head -n 2 "$REP" >"$F"
"$BIN" follow --interval 50 "$F" >"$T/follow.out" 2>"$T/follow.err" &
FOLLOW_PID=$!
sleep 0.4
printf '%s\n' '{"time":"2026-03-03T07:00:00Z","kind":"auth","outcome":"failure","daemon":"vpopmail","service":"imap","user":"eve@example.com","ip":"198.51.100.9","geo":{"scope":"public","country":"DE"}}' >>"$F"
printf '%s' '{"time":"2026-03-03T07:01:00Z","kind":"auth","outcome":"success","daemon":"vpopmail",' >>"$F"
sleep 0.3
printf '%s\n' '"service":"pop3","user":"trent@example.com","ip":"198.51.100.10"}' >>"$F"
sleep 0.4
: >"$F"	# truncation
printf '%s\n' '{"time":"2026-03-03T07:02:00Z","kind":"auth","outcome":"failure","daemon":"x","user":"frank","ip":"192.0.2.7"}' >>"$F"
sleep 0.4
mv "$F" "$F.1"	# rotation
printf '%s\n' '{"time":"2026-03-03T07:03:00Z","kind":"block","daemon":"lfd","ip":"192.0.2.8","count":5,"window":3600}' >"$F"
sleep 0.5
kill -TERM "$FOLLOW_PID"
wait "$FOLLOW_PID"; rc=$?
FOLLOW_PID=
check "follow: exits 0 on SIGTERM" test "$rc" = 0
check "follow: does not print what was there before" hasnt "$T/follow.out" "admin@example.com"
check "follow: prints an appended event" has_re "$T/follow.out" '^2026-03-03 07:00:00  failure  eve@example\.com +198\.51\.100\.9 +DE +vpopmail/imap$'
check "follow: joins a line written in two parts" has_re "$T/follow.out" '^2026-03-03 07:01:00  success  trent@example\.com'
check "follow: reads from the start after truncation" has "$T/follow.out" "frank"
check "follow: follows the new file after rotation" has_re "$T/follow.out" 'block +- +192\.0\.2\.8 .*lfd  5 in 3600s'
check "follow: four events in all" test "$(wc -l <"$T/follow.out")" = 4

# follow reads a raw log too
FR=$T/live.log
printf '%s\n' 'Mar  3 07:00:00 mx2 postfix/smtpd[1]: connect from unknown[192.0.2.1]' >"$FR"
"$BIN" follow --year 2026 --interval 50 "$FR" >"$T/followraw.out" 2>&1 &
FOLLOW_PID=$!
sleep 0.4
printf '%s\n' "Mar  3 07:05:00 mx2 vpopmail[1]: vchkpw-imap: password fail (pass: 'x') zoe@example.com:198.51.100.44" >>"$FR"
sleep 0.4
kill -TERM "$FOLLOW_PID"
wait "$FOLLOW_PID"
FOLLOW_PID=
check "follow raw: prints an event of an appended raw line" has_re "$T/followraw.out" '^2026-03-03 07:05:00  failure  zoe@example\.com +198\.51\.100\.44 .*vpopmail/imap'

cp "$REP" "$F"
"$BIN" report --follow --last 2 --interval 50 "$F" >"$T/follow2.out" 2>&1 &
FOLLOW_PID=$!
sleep 0.4
kill -INT "$FOLLOW_PID"
wait "$FOLLOW_PID"; rc=$?
FOLLOW_PID=
check "follow: --last 2 prints the last two events first, exits 0 on SIGINT" test "$rc" = 0 -a "$(wc -l <"$T/follow2.out")" = 2 -a -n "$(grep -F '06:30:00  unknown' "$T/follow2.out")"

# ------------------------------------------------------------------ cron
# the daily cron example mails the report of yesterday's events only
CRON=$HERE/../../conf/cron.daily-mmauthparse-report
if [ -r "$CRON" ]; then
	Y=$(date -d yesterday +%Y-%m-%d)
	B=$(date -d '2 days ago' +%Y-%m-%d)
	{
		printf '{"time":"%sT23:59:00+01:00","kind":"auth","outcome":"failure","daemon":"x","user":"old","ip":"192.0.2.1"}\n' "$B"
		printf '{"time":"%sT08:00:00+01:00","kind":"auth","outcome":"failure","daemon":"x","user":"mallory","ip":"192.0.2.2"}\n' "$Y"
	} >"$T/events.json"
	printf '{"time":"%sT07:00:00+01:00","kind":"auth","outcome":"failure","daemon":"x","user":"mallory","ip":"192.0.2.2"}\n' "$Y" | gzip >"$T/events.json.1.gz"
	printf '#!/bin/sh\nprintf "%%s\\n" "$@" >"%s/mail.args"\ncat >"%s/mail.body"\n' "$T" "$T" >"$T/fakemail"
	chmod +x "$T/fakemail"
	EVENTS=$T/events.json MAILTO=ops@example.org MMAUTHPARSE=$BIN MAIL_COMMAND=$T/fakemail sh "$CRON"; rc=$?
	check "cron: runs and exits 0" test "$rc" = 0
	check "cron: mails the recipient with a subject naming the day" test -n "$(grep -x ops@example.org "$T/mail.args")" -a -n "$(grep -F "for $Y" "$T/mail.args")"
	check "cron: reports yesterday's events only, rotated file included" has "$T/mail.body" "Events  : 2 failures, 0 successes, 0 unknown, 0 blocks"
	check "cron: the login of yesterday is in the report" has_re "$T/mail.body" '^2 +mallory$'
else
	fail "cron: conf/cron.daily-mmauthparse-report" "missing"
fi

# a file-format line's own time (event_time) beats the time rsyslog received it
printf '%s\n' '{"time":"2026-11-23T10:04:43+00:00","host":"mx1","auth":{"kind":"auth","outcome":"failure","daemon":"cpanel","service":"cpanel","user":"bob","ip":"81.2.69.160","event_time":"2026-11-23T06:10:02Z","geo":{"scope":"public"}}}' > "$T/evtime.json"
"$BIN" report "$T/evtime.json" > "$T/evtime.out" 2>&1
check "report: event_time is used over the reception time" has "$T/evtime.out" "From    : 2026-11-23 06:10:02"

run_queue >"$T/queue.out" 2>&1
cat "$T/queue.out"
npass=$((npass + $(grep -c '^PASS' "$T/queue.out")))
nfail=$((nfail + $(grep -c -v '^PASS' "$T/queue.out")))
echo "$npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
