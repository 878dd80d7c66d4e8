#!/bin/sh
# geo: build the fixture databases twice (they must be byte-identical), then
# run geo_test against them
# SPDX-License-Identifier: Apache-2.0
top_srcdir=${top_srcdir:-.}; top_builddir=${top_builddir:-.}
perl -MMaxMind::DB::Writer::Tree -e1 2>/dev/null || { echo "FAIL geo: libmaxmind-db-writer-perl missing"; exit 1; }
out=$(mktemp -d "${TMPDIR:-/tmp}/mmap-geo.XXXXXX") || exit 1
trap 'rm -rf "$out"' EXIT
perl "$top_srcdir/tests/geo/mkfixture.pl" "$out/a" && perl "$top_srcdir/tests/geo/mkfixture.pl" "$out/b" || exit 1
fail=0
for f in "$out"/a/*.mmdb; do
  n=$(basename "$f")
  if cmp -s "$f" "$out/b/$n"; then echo "PASS fixture $n is reproducible"
  else echo "FAIL fixture $n is reproducible: two builds differ"; fail=1; fi
done
"$top_builddir/tests/unit/geo_test" "$out/a" || fail=1
exit $fail
