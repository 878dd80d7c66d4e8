#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""check-literals.py [TOP]: no hand-counted literal lengths.

A call that passes a string literal followed by its length as a typed
number ("from ", 6) breaks silently when the literal is edited; the
AP_LEN/AP_EAT/AP_MEMMEM/AP_HAS_PREFIX family of macros (core/text.h) takes
the literal itself.  Prints PASS, or FAIL with every offending line."""
import ast
import glob
import os
import re
import sys

top = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                      os.path.join(os.path.dirname(__file__), '..', '..'))
pat = re.compile(r'"((?:[^"\\]|\\.)*)"\s*,\s*(\d+)\s*\)')
bad = []
nfiles = 0
for d in ('core', 'plugin', 'tools'):
    for p in sorted(glob.glob(os.path.join(top, d, '**', '*.[ch]'), recursive=True)):
        nfiles += 1
        with open(p, encoding='utf-8', errors='replace') as fh:
            for no, line in enumerate(fh, 1):
                for m in pat.finditer(line):
                    try:
                        n = len(ast.literal_eval('b"' + m.group(1) + '"'))
                    except (ValueError, SyntaxError):
                        continue
                    if n == int(m.group(2)) and n > 0:
                        bad.append('%s:%d: %s' % (os.path.relpath(p, top), no, line.strip()))
for b in bad:
    print('FAIL literals: hand-counted length at ' + b)
if not bad:
    print('PASS literals: %d files, no hand-counted literal length' % nfiles)
sys.exit(1 if bad else 0)
