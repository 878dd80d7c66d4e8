#!/usr/bin/env bash
# t_trixie.sh - Debian 13 (trixie), in the chroot scripts/setup.sh --trixie
# makes (MMAP_TRIXIE_DIR, default /var/cache/mmauthparse-ci/trixie) with
# trixie's rsyslog source (rsyslog-sdk-trixie, scripts/sdk-dir.sh):
#   - the packages built there, with trixie's gcc and libraries, against
#     trixie's rsyslog, installed with apt and tested as on bookworm
#     (tests/package/t_deb.sh run inside the chroot);
#   - the module built there and every test against a real rsyslogd
#     (tests/rsyslog/t_*.sh, t_layout.sh among them: the layout guard
#     accepts trixie's layout) run with trixie's rsyslogd;
#   - a module built for bookworm (BOOKWORM_MODULE, default the build's
#     .libs/mmauthparse.so) refuses to load in trixie's rsyslogd, and apt
#     refuses the bookworm package (BOOKWORM_DEB_DIR, left by t_deb.sh
#     under DEB_OUT) beside trixie's rsyslog.
# Each step runs in a private mount namespace with /proc mounted in the
# chroot, so no mount outlives it.  Without the chroot the test says so and
# passes nothing, unless MMAP_REQUIRE_TRIXIE=1 (CI), when that is a failure.
# Prints PASS/FAIL lines.
# SPDX-License-Identifier: Apache-2.0
set -u
TOP=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
C=${MMAP_TRIXIE_DIR:-/var/cache/mmauthparse-ci/trixie}
TSDK=${MMAP_TRIXIE_SDK:-$(sh "$TOP/scripts/sdk-dir.sh")/rsyslog-sdk-trixie}
BWMOD=${BOOKWORM_MODULE:-${MODULE:-$TOP/build/.libs/mmauthparse.so}}
npass=0 nfail=0
pass() { echo "PASS $*"; npass=$((npass + 1)); }
fail() { echo "FAIL $*"; nfail=$((nfail + 1)); }

if [ ! -x "$C/usr/sbin/rsyslogd" ] || [ ! -f "$TSDK/configure" ]; then
  if [ "${MMAP_REQUIRE_TRIXIE:-0}" = 1 ]; then
    fail "trixie: no chroot at $C or no source at $TSDK (scripts/setup.sh --trixie)"; exit 1
  fi
  echo "trixie: no chroot at $C (scripts/setup.sh --trixie makes it): not run"
  exit 0
fi
[ "$(id -u)" -eq 0 ] || { fail "trixie: needs root (chroot)"; exit 1; }

# inch CMD...: run CMD in the chroot, in a mount namespace of its own
inch() {
  unshare -m --propagation private sh -c 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' "$C" "$@"
}
# relay: the chroot's PASS/FAIL lines, counted here, "trixie " in front
relay() {
  local line
  while IFS= read -r line; do
    case "$line" in
      PASS*) pass "trixie ${line#PASS }" ;;
      FAIL*) fail "trixie ${line#FAIL }" ;;
      *) printf '%s\n' "$line" ;;
    esac
  done
}

# one run at a time: two runs would share /build and the chroot's dpkg
# database (t_deb installs and purges there); a second run waits
exec 9>"$C.lock"
if ! flock -w 1800 9; then
  fail "trixie: another run has held $C.lock for 30 minutes"; exit 1
fi

tver=$(inch dpkg-query -W -f='${Version}' rsyslog)
trsv=$(sed -n "s/^PACKAGE_VERSION='\(.*\)'\$/\1/p" "$TSDK/configure" | head -n 1)
echo "trixie: rsyslog $tver in $C, source $trsv"
cp /etc/resolv.conf "$C/etc/resolv.conf" 2>/dev/null
rm -rf "$C/build" && mkdir -p "$C/build/mmauthparse"
if git -C "$TOP" rev-parse --git-dir >/dev/null 2>&1; then
  (cd "$TOP" && git ls-files -co --exclude-standard | tar -cf - -T -) \
    | tar -xf - -C "$C/build/mmauthparse"
else
  tar -C "$TOP" --exclude='./build*' --exclude=./data -cf - . | tar -xf - -C "$C/build/mmauthparse"
fi
cp -a "$TSDK" "$C/build/rsyslog-sdk"

# --- the packages, built and tested in trixie ---------------------------------
t0=$(date +%s)
relay < <(inch env MMAP_RSYSLOG_SRC=/build/rsyslog-sdk TOP_SRCDIR=/build/mmauthparse TMPDIR=/tmp \
  bash /build/mmauthparse/tests/package/t_deb.sh 2>&1)
echo "trixie: package test $(( $(date +%s) - t0 )) s"

# --- the module built in trixie, every real-rsyslogd test --------------------
t0=$(date +%s)
if inch sh -c 'cd /build/mmauthparse && autoreconf -fi >/dev/null 2>&1 && mkdir -p build && cd build \
     && ../configure -q --with-rsyslog-src=/build/rsyslog-sdk >configure.log 2>&1 \
     && make -j2 >make.log 2>&1' ; then
  pass "trixie: the module builds with trixie's gcc against rsyslog $trsv ($(( $(date +%s) - t0 )) s)"
  for t in "$C"/build/mmauthparse/tests/rsyslog/t_*.sh; do
    n=$(basename "$t")
    relay < <(inch env MODULE=/build/mmauthparse/build/.libs/mmauthparse.so \
      TOP_SRCDIR=/build/mmauthparse TMPDIR=/tmp bash "/build/mmauthparse/tests/rsyslog/$n" 2>&1)
  done
else
  fail "trixie: the module does not build: $(tail -5 "$C/build/mmauthparse/build/make.log" 2>/dev/null)"
fi
echo "trixie: rsyslogd tests $(( $(date +%s) - t0 )) s"

# --- what was built for bookworm is refused -----------------------------------
if [ -f "$BWMOD" ]; then
  mkdir -p "$C/build/bookworm"
  cp "$BWMOD" "$C/build/bookworm/mmauthparse.so"
  printf '%s\n' 'module(load="/build/bookworm/mmauthparse.so")' 'action(type="mmauthparse")' \
    > "$C/build/bookworm/rsyslog.conf"
  out=$(inch rsyslogd -N1 -f /build/bookworm/rsyslog.conf 2>&1); rc=$?
  case "$out" in
    *"this module was built for rsyslog "*" but runs in rsyslogd $trsv; refusing to load"*)
      [ $rc -ne 0 ] && pass "trixie: a module built for bookworm refuses to load in trixie's rsyslogd, naming both versions" \
        || fail "trixie: the bookworm module's refusal did not fail the configuration" ;;
    *) fail "trixie: the bookworm module was not refused (rc=$rc): $(echo "$out" | head -3)" ;;
  esac
else
  fail "trixie: no bookworm module at $BWMOD"
fi
bwdeb=$(ls "${BOOKWORM_DEB_DIR:-/nonexistent}"/rsyslog-mmauthparse_*.deb 2>/dev/null | grep -v dbgsym | head -n 1)
if [ -n "$bwdeb" ]; then
  cp "$bwdeb" "$C/build/bookworm/rsyslog-mmauthparse.deb"
  out=$(inch apt-get install -s -q -o DPkg::Lock::Timeout=60 /build/bookworm/rsyslog-mmauthparse.deb 2>&1); rc=$?
  if [ $rc -ne 0 ] && echo "$out" | grep -q "Depends: rsyslog (< "; then
    pass "trixie: apt refuses the bookworm package beside rsyslog $tver"
  else
    fail "trixie: apt did not refuse the bookworm package (rc=$rc): $(echo "$out" | tail -3)"
  fi
fi
[ "$nfail" -eq 0 ] && [ "${KEEP:-0}" != 1 ] && rm -rf "$C/build"
echo "trixie: $npass passed, $nfail failed"
[ "$nfail" -eq 0 ]
