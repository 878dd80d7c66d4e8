#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""expect.py NAME OUT EXPECT: compare rsyslogd output ("msg<TAB>json" per line,
from the tests' template) with expectations ("msg<TAB>json" or "msg<TAB>"
for a message that must pass through without a container).  JSON is compared
semantically; leading blanks of the message are ignored.  Prints PASS/FAIL."""
import json, sys
name, outf, expf = sys.argv[1:4]
def split(line):
    msg, _, js = line.rstrip('\n').partition('\t')
    return msg.lstrip(' '), js.strip()
out = [split(l) for l in open(outf, encoding='utf-8', errors='replace') if l.strip()]
exp = [split(l) for l in open(expf, encoding='utf-8') if l.strip() and not l.startswith('#')]
fails = 0
if len(out) != len(exp):
    print(f"FAIL {name}: {len(out)} output lines, {len(exp)} expected")
    sys.exit(1)
for i, ((om, oj), (em, ej)) in enumerate(zip(out, exp), 1):
    what = f"{name} #{i}"
    if om != em:
        print(f"FAIL {what}: message\n    got:  {om}\n    want: {em}"); fails += 1; continue
    if not ej:
        if oj:
            print(f"FAIL {what}: expected no container, got {oj}"); fails += 1
        else:
            print(f"PASS {what}: passed through untouched")
        continue
    try:
        got = json.loads(oj) if oj else None
    except ValueError as e:
        print(f"FAIL {what}: output is not JSON ({e}): {oj}"); fails += 1; continue
    want = json.loads(ej)
    if got != want:
        print(f"FAIL {what}: event\n    got:  {json.dumps(got, sort_keys=True)}\n    want: {json.dumps(want, sort_keys=True)}"); fails += 1
    else:
        print(f"PASS {what}: {want.get('daemon')} {want.get('outcome', want.get('kind'))}")
sys.exit(1 if fails else 0)
