#!/usr/bin/env bash
# tsan.sh [BUILD_DIR] - the ThreadSanitizer gate: the core and the
# detection, geo, session and cluster unit tests built with clang
# -fsanitize=thread, then run (detect_test's threads feeding one ctx;
# geo_test's readers during reloads, and detection, geo and reload
# together; session_test's threads on sshd's connection table;
# cluster_test's feeding threads, the sender thread and its queue, against
# a private Redis).  A report from TSan
# fails, whatever the tests themselves say.
# Prints the tests' PASS/FAIL lines and one per program for TSan.
#
# SPDX-License-Identifier: Apache-2.0
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-$top/build-tsan}
flags="-O1 -g -fsanitize=thread -fno-omit-frame-pointer"

command -v clang >/dev/null || { echo "FAIL tsan: clang not installed (scripts/setup.sh)"; exit 1; }
mkdir -p "$dir" && cd "$dir" || exit 1
if [ ! -f Makefile ] || [ "$top/configure" -nt Makefile ] \
   || [ "$(sed -n 's/^CFLAGS = //p' Makefile)" != "$flags" ]; then
  rm -f Makefile
  CC=clang CFLAGS="$flags" "$top/configure" -q >configure.log 2>&1 \
    || { echo "FAIL tsan: configure (see $dir/configure.log)"; exit 1; }
fi
if ! make -j"$(nproc)" libauthparse.la tests/unit/detect_test tests/unit/geo_test \
  tests/unit/session_test tests/unit/cluster_test >make.log 2>&1; then
  echo "FAIL tsan: build (see $dir/make.log)"; tail -5 make.log | sed 's/^/    /'; exit 1
fi
cd "$top" || exit 1
# halt at the first report, with a distinct exit status
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 history_size=4"
fail=0
run() {  # run NAME CMD...
  local name=$1; shift
  "$@" >"$dir/$name.out" 2>&1
  local rc=$?
  grep -E '^(PASS|FAIL)' "$dir/$name.out"
  if grep -q 'WARNING: ThreadSanitizer' "$dir/$name.out"; then
    echo "FAIL tsan: $name: ThreadSanitizer reports (see $dir/$name.out):"
    grep -E 'WARNING: ThreadSanitizer|^    #[0-9] |SUMMARY' "$dir/$name.out" | head -20 | sed 's/^/    /'
    fail=1
  elif [ "$rc" -ne 0 ]; then
    echo "FAIL tsan: $name exited $rc:"; tail -5 "$dir/$name.out" | sed 's/^/    /'
    fail=1
  else
    echo "PASS tsan: $name: no ThreadSanitizer report"
  fi
}
run detect_test "$dir/tests/unit/detect_test"
run session_test "$dir/tests/unit/session_test"
top_srcdir=$top top_builddir=$dir run geo_test sh tests/unit/run-geo.sh
top_srcdir=$top top_builddir=$dir run cluster_test bash tests/unit/run-cluster.sh
exit $fail
