#!/bin/sh
# check-install.sh BUILDDIR: make install puts the module into the
# installed rsyslogd's module directory (no .la beside it) and refuses an
# rsyslogd of another version, leaving no module behind; make uninstall
# removes every file make install put there; RSYSLOG_VERSION_CHECK=no (a
# package build for another release) skips the version check.
# SPDX-License-Identifier: Apache-2.0
b=$1
d=$(mktemp -d "${TMPDIR:-/tmp}/mmap-inst.XXXXXX")
trap 'rm -rf "$d"' EXIT
moddir=$(sed -n 's/^moddir = //p' "$b/Makefile")
fail=0
if make -s -C "$b" install DESTDIR="$d/ok" >"$d/ok.log" 2>&1 && [ -f "$d/ok$moddir/mmauthparse.so" ] \
   && [ ! -e "$d/ok$moddir/mmauthparse.la" ] && [ -x "$d/ok/usr/local/bin/mmauthparse" ] \
   && [ -f "$d/ok/usr/local/share/man/man1/mmauthparse.1" ] \
   && [ -f "$d/ok/usr/local/share/man/man7/mmauthparse.7" ]; then
  echo "PASS install: mmauthparse.so into $moddir, the tool into /usr/local/bin, man pages 1 and 7"
else
  echo "FAIL install: $(tail -3 "$d/ok.log")"; fail=1
fi
if make -s -C "$b" uninstall DESTDIR="$d/ok" >"$d/un.log" 2>&1 && [ -z "$(find "$d/ok" ! -type d)" ]; then
  echo "PASS install: make uninstall removes every installed file"
else
  echo "FAIL install: make uninstall left: $(find "$d/ok" ! -type d | head -5 | tr '\n' ' ')"; fail=1
fi
if make -s -C "$b" install DESTDIR="$d/bad" RSYSLOG_SRC_VERSION=0.0.1 >"$d/bad.log" 2>&1; then
  echo "FAIL install: headers of rsyslog 0.0.1 were installed for rsyslogd $(rsyslogd -v | head -1)"; fail=1
elif grep -q "refusing to install" "$d/bad.log" && [ ! -e "$d/bad$moddir/mmauthparse.so" ]; then
  echo "PASS install: refused for another rsyslogd version, nothing left behind"
else
  echo "FAIL install: refusal without the message or with a module left: $(tail -3 "$d/bad.log")"; fail=1
fi
# a package build installs for its target release's rsyslog, not this one
if make -s -C "$b" install DESTDIR="$d/pkg" RSYSLOG_SRC_VERSION=0.0.1 RSYSLOG_VERSION_CHECK=no \
     >"$d/pkg.log" 2>&1 && [ -f "$d/pkg$moddir/mmauthparse.so" ]; then
  echo "PASS install: RSYSLOG_VERSION_CHECK=no (package builds) installs for another version"
else
  echo "FAIL install: RSYSLOG_VERSION_CHECK=no: $(tail -3 "$d/pkg.log")"; fail=1
fi
exit $fail
