#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""vgcheck.py VALGRIND_LOG: exit 1 if an error or definite leak record has a
frame in mmauthparse (the module or the core); prints those records."""
import re, sys
ours = re.compile(r'mmauthparse|/core/|authparse|rec_[a-z0-9]+\.c|geo\.c|detect\.c')
text = open(sys.argv[1], errors='replace').read()
records, cur = [], []
for line in text.splitlines():
    body = re.sub(r'^==\d+== ?', '', line)
    if body == '':
        if cur:
            records.append(cur)
        cur = []
    else:
        cur.append(body)
if cur:
    records.append(cur)
bad = []
for r in records:
    head = r[0]
    is_err = (head.startswith(('Invalid', 'Conditional jump', 'Use of uninitialised',
                               'Syscall param', 'Mismatched free', 'Source and destination'))
              or 'definitely lost' in head)
    if is_err and any(ours.search(l) for l in r):
        bad.append(r)
summary = [l for l in text.splitlines() if 'ERROR SUMMARY' in l]
for r in bad:
    print('\n'.join(r)); print()
if summary:
    print(summary[-1], file=sys.stderr)
sys.exit(1 if bad else 0)
