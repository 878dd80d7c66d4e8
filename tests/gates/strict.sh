#!/usr/bin/env bash
# strict.sh [BUILD_DIR] - the strict-warning gate: the core, the tools and
# the rsyslog module built with clang under libmaxminddb's warning set
# (-Wpedantic -Wconversion -Wshadow -Wformat=2 -Wcast-qual ... -Werror, at
# -O1 so that _FORTIFY_SOURCE takes effect).  rsyslog's headers are
# included as system headers (RSYSLOG_CPPFLAGS' -I turned into -isystem)
# so that only our code is held to the set.
# Prints PASS or FAIL lines (each warning indented below the FAIL).
#
# SPDX-License-Identifier: Apache-2.0
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-$top/build-strict}
flags="-O1 -Wall -Wextra -Wpedantic -Wformat=2 -Walloca -Wvla -Wimplicit-fallthrough"
flags="$flags -Wcast-qual -Wconversion -Wshadow -Wundef -Wstrict-prototypes -Wswitch-enum"
flags="$flags -fstack-protector -D_FORTIFY_SOURCE=2 -Werror"

command -v clang >/dev/null || { echo "FAIL strict: clang not installed (scripts/setup.sh)"; exit 1; }
mkdir -p "$dir" && cd "$dir" || exit 1
# configure again when the flags or the configure script changed
if [ ! -f Makefile ] || [ "$top/configure" -nt Makefile ] \
   || [ "$(sed -n 's/^CFLAGS = //p' Makefile)" != "$flags" ]; then
  rm -f Makefile
  CC=clang CFLAGS="$flags" "$top/configure" -q >configure.log 2>&1 \
    || { echo "FAIL strict: configure (see $dir/configure.log)"; tail -5 configure.log | sed 's/^/    /'; exit 1; }
fi
rs=$(sed -n 's/^RSYSLOG_CPPFLAGS = //p' Makefile | sed 's/\(^\| \)-I/\1-isystem /g')
case "$rs" in *-isystem*) ;; *) echo "FAIL strict: no rsyslog include flags in $dir/Makefile"; exit 1 ;; esac
# every object is compiled anew: an up-to-date object would hide its warnings
make clean >/dev/null 2>&1
make -k -j"$(nproc)" all RSYSLOG_CPPFLAGS="$rs" >make.log 2>&1
rc=$?
warn=$(grep -E '(warning|error):' make.log | sort -u)
if [ "$rc" -eq 0 ] && [ -z "$warn" ] && [ -f .libs/mmauthparse.so ] && [ -x mmauthparse ]; then
  echo "PASS strict: core, tools and module build clean under the strict warning set (clang)"
else
  echo "FAIL strict: warnings or errors under the strict set (make exited $rc; $dir/make.log):"
  if [ -n "$warn" ]; then echo "$warn" | head -40 | sed 's/^/    /'; else tail -5 make.log | sed 's/^/    /'; fi
  exit 1
fi
