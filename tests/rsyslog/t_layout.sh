#!/usr/bin/env bash
# The guard against a module built for another message layout: build the
# module with NDEBUG undefined (obj_t grows, every smsg_t field shifts, as
# with headers of a debug build) and check that rsyslogd refuses to load
# it with our error, while the real module loads.
# SPDX-License-Identifier: Apache-2.0
. "$TOP_SRCDIR/tests/rsyslog/lib.sh"
trap rs_cleanup EXIT
rs_new layout
B=$(cd "$(dirname "$MODULE")/.." && pwd)
cppflags=$(sed -n 's/^RSYSLOG_CPPFLAGS = //p' "$B/Makefile" | sed "s|\$(abs_top_builddir)|$B|g")
mkdir -p "$RS/sdk"
sed '/#define NDEBUG/d' "$B/rsyslog-sdk/config.h" > "$RS/sdk/config.h"
if ! gcc -std=gnu11 -shared -fPIC -I"$RS/sdk" $cppflags -I"$TOP_SRCDIR/core" \
     $(pkg-config --cflags libestr libfastjson) "$TOP_SRCDIR/plugin/mmauthparse.c" \
     "$B/.libs/libauthparse.a" $(pkg-config --libs libfastjson) -lmaxminddb -lm -lpthread \
     -o "$RS/mmauthparse-wrong.so" 2> "$RS/cc.log"; then
  fail "layout: could not build the mismatched module: $(head -3 "$RS/cc.log")"
  exit 1
fi
MODULE="$RS/mmauthparse-wrong.so" rs_conf ''
"$RSYSLOGD" -N1 -f "$RS/rsyslog.conf" > "$RS/n1.log" 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q "message layout does not match the running rsyslogd; refusing to load" "$RS/n1.log"; then
  pass "layout: a module with another smsg_t layout refuses to load, with a clear error"
else
  fail "layout: mismatched module: rc=$rc: $(grep -i mmauthparse "$RS/n1.log" | head -3)"
fi
rs_conf ''
if "$RSYSLOGD" -N1 -f "$RS/rsyslog.conf" > "$RS/n1ok.log" 2>&1; then
  pass "layout: the module built with the matching layout loads"
else
  fail "layout: the real module did not load: $(tail -3 "$RS/n1ok.log")"
fi
[ "$RS_FAIL" -eq 0 ]
