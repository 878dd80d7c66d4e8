#!/usr/bin/env bash
# conf/: the drop-in snippet, every template and every destination example
# pass `rsyslogd -N1` inside a distribution-like rsyslog.conf (paths moved
# to a private directory, the module loaded by its build path); the drop-in
# then runs in a real rsyslogd: mail.* syslog lines and the imfile inputs
# reach events.json, the message continues to the distribution's mail.log
# with the password cut out, and non-mail lines are left alone.
# SPDX-License-Identifier: Apache-2.0
. "$TOP_SRCDIR/tests/rsyslog/lib.sh"
trap rs_cleanup EXIT
rs_new conf
CONF=$TOP_SRCDIR/conf
mkdir -p "$RS/etc/examples" "$RS/log" "$RS/files"

# the conf/ files with their installed paths moved under $RS
place() {
  sed -e "s|module(load=\"mmauthparse\")|module(load=\"$MODULE\")|" \
      -e "s|/etc/rsyslog.d/mmauthparse/examples/|$RS/etc/examples/|g" \
      -e "s|/etc/rsyslog.d/mmauthparse/|$RS/etc/|g" \
      -e "s|/var/log/mmauthparse/|$RS/log/|g" \
      -e "s|/usr/local/cpanel/logs/login_log|$RS/files/login_log|" \
      -e "s|/opt/Xeams/logs/SuccessfulLogins.log|$RS/files/SuccessfulLogins.log|" \
      -e "s|/var/log/exim_mainlog|$RS/files/exim_mainlog|" \
      "$1" > "$2"
}
for f in "$CONF"/templates/*.conf; do place "$f" "$RS/etc/$(basename "$f")"; done
for f in "$CONF"/examples/*.conf; do place "$f" "$RS/etc/examples/$(basename "$f")"; done
place "$CONF/mmauthparse.conf" "$RS/etc/30-mmauthparse.conf"
# the same with the destination examples switched on
sed -e 's|# call mmauthparse_to|call mmauthparse_to|' -e 's|^# include(file=|include(file=|' \
  "$RS/etc/30-mmauthparse.conf" > "$RS/etc/30-mmauthparse-all.conf"

# distro MAIN-EXTRA INCLUDE: a Debian-like rsyslog.conf including the drop-in
distro() {
  cat <<CONF
global(workDirectory="$RS/work" maxMessageSize="64k")
module(load="imuxsock" SysSock.Use="off")
$2
include(file="$3")
mail.*	$RS/log/mail.log
*.*;auth,authpriv.none;mail.none	$RS/log/syslog
CONF
}

n1() {  # NAME WANT(ok|fail) CONFFILE [PATTERN]
  "$RSYSLOGD" -N1 -f "$3" > "$RS/n1.log" 2>&1
  local rc=$?
  if [ "$2" = ok ]; then
    if [ $rc -eq 0 ] && ! grep -qi 'error\|warning' "$RS/n1.log"; then pass "conf: $1: rsyslogd -N1 accepts it"
    else fail "conf: $1: rsyslogd -N1 rc=$rc: $(grep -v 'version\|End of config' "$RS/n1.log" | head -3)"; fi
  else
    if [ $rc -ne 0 ] && grep -qi -- "$4" "$RS/n1.log"; then pass "conf: $1: rsyslogd -N1 rejects it naming '$4'"
    else fail "conf: $1: rc=$rc, expected a failure naming '$4'"; fi
  fi
}

# the drop-in in a distro config that loads imuxsock itself
distro "" "" "$RS/etc/30-mmauthparse.conf" > "$RS/main.conf"
n1 "drop-in mmauthparse.conf" ok "$RS/main.conf"
if grep -Eq 'load="(imuxsock|imjournal|imklog)"' "$CONF/mmauthparse.conf"; then
  fail "conf: the drop-in loads an input module the distribution already loads"
else pass "conf: the drop-in loads no imuxsock/imjournal/imklog"; fi
# ... and in this machine's own /etc/rsyslog.conf (Debian's), the include
# line pointing at the drop-in, the distribution's rules left as they are
if [ -r /etc/rsyslog.conf ] && grep -q '^\$IncludeConfig /etc/rsyslog.d/\*.conf' /etc/rsyslog.conf; then
  sed -e "s|^\\\$IncludeConfig /etc/rsyslog.d/\\*.conf|\\\$IncludeConfig $RS/etc/30-mmauthparse.conf|" \
      -e "s|^\\\$WorkDirectory .*|\\\$WorkDirectory $RS/work|" /etc/rsyslog.conf > "$RS/debian.conf"
  n1 "drop-in inside this system's /etc/rsyslog.conf" ok "$RS/debian.conf"
fi
distro "" "" "$RS/etc/30-mmauthparse-all.conf" > "$RS/main-all.conf"
n1 "drop-in with every destination example" ok "$RS/main-all.conf"
for f in "$RS"/etc/examples/*.conf; do
  b=$(basename "$f" .conf)
  grep -v "^# include\|^include(file=\"$RS/etc/examples" "$RS/etc/30-mmauthparse.conf" > "$RS/etc/30-one.conf"
  sed -i "s|# call mmauthparse_to_.*||" "$RS/etc/30-one.conf"
  r=$(sed -n 's/^ruleset(name="\([^"]*\)").*/\1/p' "$f")
  sed -i "s|^    # SIEM destinations.*|    call $r|" "$RS/etc/30-one.conf"
  echo "include(file=\"$f\")" >> "$RS/etc/30-one.conf"
  distro "" "" "$RS/etc/30-one.conf" > "$RS/main-one.conf"
  n1 "example $b.conf with the drop-in" ok "$RS/main-one.conf"
done
# each template file alone
for f in "$RS"/etc/*.conf; do
  case $f in */30-*) continue;; esac
  # use every template and ruleset it defines
  { printf 'global(workDirectory="%s")\nmodule(load="%s")\ninclude(file="%s")\n' "$RS/work" "$MODULE" "$f"
    echo 'action(type="mmauthparse")'
    sed -n 's/^ruleset(name="\([^"]*\)").*/call \1/p' "$f"
    sed -n 's/^template(name="\([^"]*\)".*/\1/p' "$f" | while read -r t; do
      echo "action(type=\"omfile\" file=\"$RS/log/tpl-$t\" template=\"$t\")"; done
  } > "$RS/tpl.conf"
  n1 "template file $(basename "$f")" ok "$RS/tpl.conf"
done
# the check can fail: a missing template file, imfile loaded twice
sed "s|$RS/etc/native.conf|$RS/etc/nosuch.conf|" "$RS/etc/30-mmauthparse.conf" > "$RS/etc/30-broken.conf"
distro "" "" "$RS/etc/30-broken.conf" > "$RS/main-broken.conf"
n1 "drop-in with a missing template file" fail "$RS/main-broken.conf" "nosuch.conf"
distro "" 'module(load="imfile")' "$RS/etc/30-mmauthparse.conf" > "$RS/main-imfile.conf"
n1 "drop-in where imfile is already loaded (documented)" fail "$RS/main-imfile.conf" "imfile"

# --- the drop-in in a real rsyslogd ---------------------------------------
: > "$RS/files/login_log"; : > "$RS/files/SuccessfulLogins.log"; : > "$RS/files/exim_mainlog"
distro "" "module(load=\"imptcp\")
input(type=\"imptcp\" address=\"127.0.0.1\" port=\"0\" listenPortFileName=\"$RS/port\")" \
  "$RS/etc/30-mmauthparse.conf" > "$RS/rsyslog.conf"
rs_start || { fail "conf: rsyslogd start with the drop-in"; exit 1; }
# facility mail = 2: <22> = mail.info; <13> = user.notice; <86> = authpriv.info
rs_send "<22>Mar  3 04:11:09 mx2 vpopmail[22811]: vchkpw-imaps: password fail (pass: 'hunter2') sales@shop.example:198.51.100.77" \
        "<13>Mar  3 04:11:10 mx2 vpopmail[22811]: vchkpw-pop3: password fail (pass: 'secret9') other@shop.example:198.51.100.78" \
        "<22>Mar  3 04:11:11 mx2 postfix/qmgr[123]: 4F1A2B3C: removed"
sleep 1   # imfile watches the files (freshStartTail: only new lines count)
printf '%s\n' '209.85.1.1 - someuser [01/14/2015:21:07:22 -0000] "POST /login/?login_only=1 HTTP/1.1" FAILED LOGIN cpaneld: user password incorrect' >> "$RS/files/login_log"
printf '%s\n' '2020-07-25 09:02:29,287 - [IMAP] {SECURE} - charle@mydomain.com - 75.76.77.78 (United States)' >> "$RS/files/SuccessfulLogins.log"
printf '%s\n' '2013-01-04 17:03:46 login authenticator failed for rrcs-24-106-174-74.se.biz.rr.com ([192.168.2.33]) [24.106.174.74]: 535 Incorrect authentication data (set_id=brian)' >> "$RS/files/exim_mainlog"
if rs_wait_lines "$RS/log/events.json" 4 20 && rs_wait_lines "$RS/log/mail.log" 2 10; then
  sleep 0.5
  # conf/logrotate.d: a forced rotation, its HUP sent to our rsyslogd only;
  # the next event must land in a fresh events.json
  if command -v logrotate > /dev/null; then
    sed -e "s|/var/log/mmauthparse/|$RS/log/|" -e "s|/usr/lib/rsyslog/rsyslog-rotate|kill -HUP $RS_PID|" \
      "$CONF/logrotate.d/mmauthparse" > "$RS/logrotate.conf"
    if logrotate -f -s "$RS/logrotate.state" "$RS/logrotate.conf" > "$RS/logrotate.log" 2>&1; then
      # the HUP is a signal: wait until rsyslogd has acted on it (omfile
      # closes the renamed files), else the next line may still go to the
      # old one (seen on a loaded machine)
      i=0
      while ls -l "/proc/$RS_PID/fd" 2>/dev/null | grep -q 'events\.json\.1$' && [ $i -lt 100 ]; do
        sleep 0.1; i=$((i + 1))
      done
      rs_send "<22>Mar  3 04:12:00 mx2 vpopmail[22813]: vchkpw-pop3: vpopmail user not found late@shop.example:198.51.100.79"
      if rs_wait_lines "$RS/log/events.json" 1 10 && [ "$(wc -l < "$RS/log/events.json.1")" -eq 4 ] \
         && grep -q 198.51.100.79 "$RS/log/events.json" && ! grep -q 198.51.100.79 "$RS/log/events.json.1"; then
        pass "conf: logrotate.d/mmauthparse rotates the files, HUP reopens them"
      else fail "conf: after rotation: events.json.1 $(wc -l < "$RS/log/events.json.1" 2>/dev/null) lines, events.json: $(cat "$RS/log/events.json" 2>/dev/null)"; fi
      mv "$RS/log/events.json.1" "$RS/log/events.json"   # the checks below read the first four
      mv "$RS/log/failures.log.1" "$RS/log/failures.log"
    else fail "conf: logrotate: $(tail -3 "$RS/logrotate.log")"; fi
  else fail "conf: logrotate not installed (apt-get install logrotate)"; fi
  rs_stop
  python3 - "$RS/log" <<'PY'
import json, sys
d = sys.argv[1]
ev = [json.loads(l) for l in open(d + "/events.json")]
bad = 0
def check(name, ok, why=""):
    global bad
    bad += 0 if ok else 1
    print(("PASS " if ok else "FAIL ") + "conf: " + name + ("" if ok else ": " + why))
by = {e.get("daemon"): e for e in ev}
check("events.json holds exactly 4 events", len(ev) == 4, repr(ev))
v = by.get("vpopmail", {})
check("mail.* syslog line reached the module", v.get("ip") == "198.51.100.77" and v.get("host") == "mx2"
      and v.get("outcome") == "failure", repr(v))
check("user.* line not run through the module", not any(e.get("ip") == "198.51.100.78" for e in ev))
c = by.get("cpanel", {})
check("imfile cPanel login_log (tag cpanel)", c.get("ip") == "209.85.1.1" and c.get("service") == "cpanel"
      and c.get("outcome") == "failure", repr(c))
x = by.get("xeams", {})
check("imfile Xeams SuccessfulLogins.log (tag xeams)", x.get("ip") == "75.76.77.78" and x.get("user") == "charle@mydomain.com"
      and x.get("outcome") == "success" and x.get("tls") is True, repr(x))
e = by.get("exim", {})
check("imfile exim mainlog (tag exim)", e.get("ip") == "24.106.174.74" and e.get("user") == "brian"
      and e.get("outcome") == "failure", repr(e))
check("every event line has time and host first", all(list(e)[:3] == ["time", "host", "kind"] for e in ev))
mail = open(d + "/mail.log").read()
check("mail.log still gets the mail line, password cut out", "vchkpw-imaps: password fail (pass: [REDACTED])" in mail
      and "hunter2" not in mail, mail)
check("mail.log gets the non-auth mail line", "4F1A2B3C: removed" in mail, mail)
syslog = open(d + "/syslog").read()
check("user.* line untouched in syslog (password kept: not a mail line)", "(pass: 'secret9')" in syslog, syslog)
fl = open(d + "/failures.log").read().splitlines()
check("failures.log: the 3 failures with an address", sorted(l.split(" ip=")[1].split()[0] for l in fl)
      == ["198.51.100.77", "209.85.1.1", "24.106.174.74"], repr(fl))
sys.exit(1 if bad else 0)
PY
  [ $? -eq 0 ] || RS_FAIL=$((RS_FAIL + 1))
else
  fail "conf: events.json has $(wc -l < "$RS/log/events.json" 2>/dev/null) of 4 lines; rsyslogd said: $(tail -3 "$RS/stdout")"
fi
[ "$RS_FAIL" -eq 0 ]
