#!/usr/bin/env bash
# t_deb.sh - the Debian packages, end to end, on this machine (root): builds
# rsyslog-mmauthparse and mmauthparse-tools with dpkg-buildpackage from a
# clean copy of the tree against the rsyslog source of the installed
# rsyslog, runs lintian, installs them with `apt install ./...deb`, checks
# the files, the exact rsyslog dependency and rsyslog's restart trigger,
# runs a private rsyslogd with the stock /etc/rsyslog.conf (its inputs
# imuxsock/imklog and its own log files moved aside, imptcp on a loopback
# port added) and checks that the installed drop-in turns a mail line into
# an event with no other step; then upgrade (the administrator's drop-in
# is kept), reconfigure, remove (the drop-in is set aside, rsyslog's
# configuration stays valid, state is kept), install again and purge (the
# state directory /var/lib/mmauthparse and the logs go).
#
# Needs root, apt, debhelper, lintian (scripts/setup.sh installs them) and
# the rsyslog source of the installed version (MMAP_RSYSLOG_SRC, default
# rsyslog-sdk in the directory scripts/sdk-dir.sh prints).  Leaves the packages purged.  KEEP=1 keeps the work
# directory, DEB_OUT=DIR a copy of the packages.  Prints PASS/FAIL lines.
# SPDX-License-Identifier: Apache-2.0
set -u
TOP=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
SDK=${MMAP_RSYSLOG_SRC:-$(sh "$TOP/scripts/sdk-dir.sh")/rsyslog-sdk}
export DEBIAN_FRONTEND=noninteractive
APT=(apt-get -y -q -o DPkg::Lock::Timeout=300)
W=$(mktemp -d "${TMPDIR:-/tmp}/mmap-deb.XXXXXX")
npass=0 nfail=0
pass() { echo "PASS $*"; npass=$((npass + 1)); }
fail() { echo "FAIL $*"; nfail=$((nfail + 1)); }
RS_PID=""
cleanup() {
  [ -n "$RS_PID" ] && kill -TERM "$RS_PID" 2>/dev/null && wait "$RS_PID" 2>/dev/null
  "${APT[@]}" purge rsyslog-mmauthparse mmauthparse-tools >/dev/null 2>&1
  if [ "$nfail" -eq 0 ] && [ "${KEEP:-0}" != 1 ]; then rm -rf "$W"; else echo "work directory: $W"; fi
}
trap cleanup EXIT

[ "$(id -u)" -eq 0 ] || { fail "deb: needs root (apt install)"; exit 1; }
for t in dpkg-buildpackage dh lintian apt-get rsyslogd; do
  command -v "$t" >/dev/null 2>&1 || { fail "deb: $t missing (scripts/setup.sh installs it)"; exit 1; }
done
[ -f "$SDK/configure" ] || { fail "deb: no rsyslog source at $SDK (scripts/setup.sh)"; exit 1; }
if dpkg-query -W -f='${Status}' rsyslog-mmauthparse 2>/dev/null | grep -q installed; then
  echo "deb: rsyslog-mmauthparse was installed already: purging it first"
  "${APT[@]}" purge rsyslog-mmauthparse mmauthparse-tools >/dev/null 2>&1
fi

# --- build -------------------------------------------------------------------
mkdir -p "$W/src/mmauthparse"
if git -C "$TOP" rev-parse --git-dir >/dev/null 2>&1; then
  (cd "$TOP" && git ls-files -co --exclude-standard | tar -cf - -T -) | tar -xf - -C "$W/src/mmauthparse"
else
  tar -C "$TOP" --exclude='./build*' --exclude=./data -cf - . | tar -xf - -C "$W/src/mmauthparse"
fi
t0=$(date +%s)
if (cd "$W/src/mmauthparse" && MMAP_RSYSLOG_SRC=$SDK dpkg-buildpackage -us -uc >"$W/build.log" 2>&1); then
  pass "deb: dpkg-buildpackage -us -uc builds the packages ($(( $(date +%s) - t0 )) s)"
else
  fail "deb: dpkg-buildpackage failed: $(tail -5 "$W/build.log")"; exit 1
fi
MOD=$(ls "$W"/src/rsyslog-mmauthparse_*_*.deb | grep -v dbgsym)
TOOLS=$(ls "$W"/src/mmauthparse-tools_*_*.deb | grep -v dbgsym)
# DEB_OUT=DIR keeps a copy of the packages (t_trixie.sh offers them to
# trixie's apt, which must refuse them)
if [ -n "${DEB_OUT:-}" ]; then mkdir -p "$DEB_OUT" && cp "$MOD" "$TOOLS" "$DEB_OUT/"; fi

# the exact rsyslog upstream version of the source tree, and the next one
rsv=$(sed -n "s/^PACKAGE_VERSION='\(.*\)'\$/\1/p" "$SDK/configure" | head -n 1)
next="${rsv%.*}.$(( ${rsv##*.} + 1 ))~"
dep=$(dpkg-deb -f "$MOD" Depends)
case "$dep" in
  *"rsyslog (>= $rsv), rsyslog (<< $next)"*) pass "deb: depends on rsyslog (>= $rsv), rsyslog (<< $next)" ;;
  *) fail "deb: Depends lacks the exact rsyslog version $rsv: $dep" ;;
esac
# the cluster tier loads libhiredis at run time: the package recommends the
# package that holds the library the build looked for (no shlibs dependency)
hso=$(sed -n 's/^#define AP_HIREDIS_SONAME "\(.*\)"$/\1/p' "$W/src/mmauthparse/ap_config.h")
hpkg=$(dpkg -S "/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/$hso" 2>/dev/null | sed -n '1s/:.*//p')
rec=$(dpkg-deb -f "$MOD" Recommends)
case ", $rec," in
  *", $hpkg,"*) [ -n "$hpkg" ] && pass "deb: recommends $hpkg, which holds $hso (loaded for cluster.redis)" \
                  || fail "deb: no package holds '$hso'" ;;
  *) fail "deb: Recommends '$rec' lacks the package of '$hso' ('$hpkg')" ;;
esac
inst=$(dpkg-query -W -f='${Version}' rsyslog)
if dpkg --compare-versions "$inst" ge "$rsv" && dpkg --compare-versions "$inst" lt "$next" \
   && ! dpkg --compare-versions "${rsv%.*}.$(( ${rsv##*.} + 1 ))-1" lt "$next"; then
  pass "deb: the installed rsyslog $inst satisfies it, the next upstream version does not"
else
  fail "deb: version bounds: installed $inst, bounds $rsv .. $next"
fi

if lintian --fail-on error,warning "$W"/src/mmauthparse_*.changes >"$W/lintian.log" 2>&1; then
  pass "deb: lintian reports no error or warning$(grep -c '^[IP]:' "$W/lintian.log" | sed 's/^0$//;s/.\+/ (& info tags)/')"
else
  fail "deb: lintian: $(grep -E '^[EW]:' "$W/lintian.log" | head -5)"
fi

# --- install -------------------------------------------------------------------
if "${APT[@]}" install "$MOD" "$TOOLS" >"$W/install.log" 2>&1; then
  pass "deb: apt install ./rsyslog-mmauthparse ./mmauthparse-tools"
else
  fail "deb: apt install failed: $(tail -5 "$W/install.log")"; exit 1
fi
if grep -q "Processing triggers for rsyslog" "$W/install.log"; then
  pass "deb: the install triggers rsyslog's restart (its /etc/rsyslog.d file trigger), no systemd needed"
else
  fail "deb: rsyslog's trigger did not run"
fi
moddir=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/rsyslog
missing=""
for f in "$moddir/mmauthparse.so" /etc/rsyslog.d/30-mmauthparse.conf \
         /etc/rsyslog.d/mmauthparse/native.conf /etc/rsyslog.d/mmauthparse/fail2ban.conf \
         /etc/logrotate.d/mmauthparse /usr/share/man/man7/mmauthparse.7.gz \
         /usr/share/mmauthparse/conf/examples/elasticsearch.conf /usr/share/mmauthparse/fetch-dbip.sh \
         /usr/share/doc/rsyslog-mmauthparse/copyright /usr/bin/mmauthparse \
         /usr/share/man/man1/mmauthparse.1.gz; do
  [ -e "$f" ] || missing="$missing $f"
done
[ -d /var/lib/mmauthparse ] || missing="$missing /var/lib/mmauthparse/"
if [ -z "$missing" ]; then pass "deb: module, drop-in, templates, logrotate, examples, man pages, tool, state directory"
else fail "deb: missing after install:$missing"; fi
if grep -qx /etc/rsyslog.d/30-mmauthparse.conf /var/lib/dpkg/info/rsyslog-mmauthparse.conffiles; then
  pass "deb: the drop-in is a conffile"
else
  fail "deb: the drop-in is not a conffile"
fi
if rsyslogd -N1 >"$W/n1.log" 2>&1 && ! grep -qi 'error' "$W/n1.log"; then
  pass "deb: rsyslogd -N1 accepts the stock /etc/rsyslog.conf with the drop-in"
else
  fail "deb: rsyslogd -N1: $(grep -vi 'version\|End of config' "$W/n1.log" | head -3)"
fi
# the installed module loads the hiredis library it was built for
printf '%s\n' 'module(load="mmauthparse")' \
  'action(type="mmauthparse" cluster.redis="127.0.0.1:9" cluster.node="deb")' > "$W/cluster.conf"
if rsyslogd -N1 -f "$W/cluster.conf" >"$W/n1c.log" 2>&1 && ! grep -qi 'error\|cannot load' "$W/n1c.log"; then
  pass "deb: rsyslogd -N1 accepts an action with cluster.redis (libhiredis loaded)"
else
  fail "deb: cluster.redis with the installed module: $(grep -vi 'version\|End of config' "$W/n1c.log" | head -3)"
fi
out=$(printf '%s\n' "Mar  3 04:11:09 mx2 sshd[1]: Failed password for root from 203.0.113.9 port 22 ssh2" \
      | /usr/bin/mmauthparse)
case "$out" in
  *'"outcome":"failure"'*'"user":"root"'*'"ip":"203.0.113.9"'*) pass "deb: /usr/bin/mmauthparse parses an sshd failure" ;;
  *) fail "deb: /usr/bin/mmauthparse: $out" ;;
esac

# --- a stock rsyslogd runs the drop-in -------------------------------------------
# the stock configuration, with the machine's sockets (imuxsock, imklog)
# and its log files left alone and imptcp on a loopback port added; the
# drop-in comes in through the stock $IncludeConfig /etc/rsyslog.d/*.conf
mkdir -p "$W/rs/work" "$W/rs/log"
{
  echo "module(load=\"imptcp\")"
  echo "input(type=\"imptcp\" address=\"127.0.0.1\" port=\"0\" listenPortFileName=\"$W/rs/port\")"
  sed -e 's/^module(load="imuxsock")/# &/' -e 's/^module(load="imklog")/# &/' \
      -e "s|^\\\$WorkDirectory .*|\$WorkDirectory $W/rs/work|" \
      -e "s|/var/log/|$W/rs/log/|g" /etc/rsyslog.conf
} > "$W/rs/rsyslog.conf"
rm -rf /var/log/mmauthparse
rsyslogd -n -f "$W/rs/rsyslog.conf" -i "$W/rs/pid" >"$W/rs/stdout" 2>&1 &
RS_PID=$!
i=0
while [ ! -s "$W/rs/port" ] && [ $i -lt 300 ] && kill -0 "$RS_PID" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
if [ -s "$W/rs/port" ]; then
  # facility mail (2), severity info (6): <22>
  line='<22>Mar  3 04:11:09 mx2 vpopmail[22811]: vchkpw-imaps: password fail (pass: '"'"'hunter2'"'"') sales@shop.example:198.51.100.77'
  { exec 3<>"/dev/tcp/127.0.0.1/$(cat "$W/rs/port")" && printf '%s\n' "$line" >&3 && exec 3>&-; } 2>/dev/null
  i=0
  while [ ! -s /var/log/mmauthparse/events.json ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  # the fields written by hand from the line
  if python3 - /var/log/mmauthparse/events.json <<'PY' >"$W/ev.log" 2>&1
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
assert len(lines) == 1, lines
ev = json.loads(lines[0])
want = {"kind": "auth", "outcome": "failure", "reason": "bad_password", "daemon": "vpopmail",
        "service": "imap", "tls": True, "user": "sales@shop.example", "domain": "shop.example",
        "ip": "198.51.100.77", "password_redacted": True, "host": "mx2"}
for k, v in want.items():
    assert ev.get(k) == v, (k, ev.get(k))
PY
  then
    pass "deb: a stock rsyslogd with the installed drop-in writes the vpopmail failure to /var/log/mmauthparse/events.json"
  else
    fail "deb: events.json: $(tail -1 "$W/ev.log"); rsyslogd said: $(grep -v imfile "$W/rs/stdout" | head -3)"
  fi
  i=0
  while ! grep -q 'password fail' "$W/rs/log/mail.log" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  if grep -q 'password fail (pass: \[REDACTED\])' "$W/rs/log/mail.log" 2>/dev/null && ! grep -rq hunter2 "$W/rs/log" /var/log/mmauthparse; then
    pass "deb: the stock mail.log gets the line with the password cut out"
  else
    fail "deb: mail.log: $(head -2 "$W/rs/log/mail.log" 2>/dev/null)"
  fi
  if grep -qi 'error' "$W/rs/stdout"; then fail "deb: rsyslogd reported errors: $(grep -i error "$W/rs/stdout" | head -3)"
  else pass "deb: rsyslogd started with the stock configuration and the drop-in without errors"; fi
else
  fail "deb: the stock rsyslogd did not start: $(head -5 "$W/rs/stdout")"
fi
kill -TERM "$RS_PID" 2>/dev/null; wait "$RS_PID" 2>/dev/null; RS_PID=""

# --- upgrade and reconfigure --------------------------------------------------
echo "# changed by the administrator" >> /etc/rsyslog.d/30-mmauthparse.conf
# the same package as a newer version
dpkg-deb -R "$MOD" "$W/up" && sed -i 's/^Version: \(.*\)$/Version: \1+up1/' "$W/up/DEBIAN/control" \
  && dpkg-deb -b "$W/up" "$W/rsyslog-mmauthparse-up.deb" >/dev/null 2>&1
if "${APT[@]}" install "$W/rsyslog-mmauthparse-up.deb" >"$W/upgrade.log" 2>&1 \
   && dpkg-query -W -f='${Version}' rsyslog-mmauthparse | grep -q '+up1$'; then
  if grep -q "changed by the administrator" /etc/rsyslog.d/30-mmauthparse.conf \
     && [ ! -e /etc/rsyslog.d/30-mmauthparse.conf.dpkg-new ]; then
    pass "deb: an upgrade leaves the administrator's drop-in alone"
  else
    fail "deb: the upgrade replaced the changed drop-in"
  fi
else
  fail "deb: upgrade failed: $(tail -3 "$W/upgrade.log")"
fi
if dpkg-reconfigure rsyslog-mmauthparse >"$W/reconf.log" 2>&1 \
   && dpkg-query -W -f='${Status}' rsyslog-mmauthparse | grep -q 'install ok installed'; then
  pass "deb: dpkg-reconfigure rsyslog-mmauthparse"
else
  fail "deb: dpkg-reconfigure: $(tail -3 "$W/reconf.log")"
fi

# --- remove, install again, purge ----------------------------------------------
echo state > /var/lib/mmauthparse/detect.state
if "${APT[@]}" remove rsyslog-mmauthparse >"$W/remove.log" 2>&1; then
  if [ ! -e "$moddir/mmauthparse.so" ] && [ ! -e /etc/rsyslog.d/30-mmauthparse.conf ] \
     && [ -e /etc/rsyslog.d/30-mmauthparse.conf.removed ] && [ -e /var/lib/mmauthparse/detect.state ]; then
    pass "deb: remove: the module goes, the drop-in is set aside, the state is kept"
  else
    fail "deb: remove left: $(ls "$moddir"/mmauthparse.so /etc/rsyslog.d/ /var/lib/mmauthparse 2>&1 | tr '\n' ' ')"
  fi
  if rsyslogd -N1 >"$W/n1r.log" 2>&1 && ! grep -qi 'error' "$W/n1r.log"; then
    pass "deb: after remove the stock configuration is valid (no drop-in loading a missing module)"
  else
    fail "deb: after remove rsyslogd -N1: $(grep -i error "$W/n1r.log" | head -3)"
  fi
else
  fail "deb: apt remove failed: $(tail -3 "$W/remove.log")"
fi
if "${APT[@]}" install "$MOD" >"$W/reinstall.log" 2>&1 \
   && grep -q "changed by the administrator" /etc/rsyslog.d/30-mmauthparse.conf 2>/dev/null; then
  pass "deb: installed again after remove, the administrator's drop-in is back in place"
else
  fail "deb: reinstall after remove: $(ls /etc/rsyslog.d | tr '\n' ' ') $(tail -2 "$W/reinstall.log")"
fi
if "${APT[@]}" purge rsyslog-mmauthparse mmauthparse-tools >"$W/purge.log" 2>&1; then
  left=$(ls -d /var/lib/mmauthparse /var/log/mmauthparse /etc/rsyslog.d/30-mmauthparse.conf* \
         /etc/rsyslog.d/mmauthparse /etc/logrotate.d/mmauthparse "$moddir/mmauthparse.so" \
         /usr/bin/mmauthparse 2>/dev/null | tr '\n' ' ')
  if [ -z "$left" ]; then pass "deb: purge removes the state directory, the logs and every conffile"
  else fail "deb: purge left: $left"; fi
else
  fail "deb: apt purge failed: $(tail -3 "$W/purge.log")"
fi
echo "deb: $npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
