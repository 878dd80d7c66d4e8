#!/usr/bin/env bash
# scan.sh [BUILD_DIR] - the static-analysis gate: scan-build (the clang
# static analyser, its default checkers) over a full build of the core,
# the tools and the rsyslog module; any bug it reports fails.
# Prints PASS or FAIL lines (each report indented below the FAIL); the
# HTML reports stay in BUILD_DIR/reports.
#
# SPDX-License-Identifier: Apache-2.0
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-$top/build-scan}

command -v scan-build >/dev/null || { echo "FAIL scan-build: not installed (clang-tools; scripts/setup.sh)"; exit 1; }
mkdir -p "$dir" && cd "$dir" || exit 1
if [ ! -f Makefile ] || [ "$top/configure" -nt Makefile ]; then
  rm -f Makefile
  scan-build -o "$dir/reports" "$top/configure" -q CFLAGS="-O1 -g" >configure.log 2>&1 \
    || { echo "FAIL scan-build: configure (see $dir/configure.log)"; tail -5 configure.log | sed 's/^/    /'; exit 1; }
fi
# every file is analysed anew: an up-to-date object is not looked at
make clean >/dev/null 2>&1
rm -rf "$dir/reports"
scan-build -o "$dir/reports" --status-bugs make -j"$(nproc)" all >scan.log 2>&1
rc=$?
bugs=$(grep -E 'warning:' scan.log | sort -u)
if [ "$rc" -eq 0 ] && [ -z "$bugs" ] && grep -q 'No bugs found' scan.log; then
  echo "PASS scan-build: no bugs in the core, the tools and the module"
else
  echo "FAIL scan-build: $(grep -E "bugs? found" scan.log | tail -1 | sed "s/^scan-build: //") (exit $rc; $dir/scan.log, $dir/reports):"
  if [ -n "$bugs" ]; then echo "$bugs" | head -40 | sed 's/^/    /'; else tail -5 scan.log | sed 's/^/    /'; fi
  exit 1
fi
