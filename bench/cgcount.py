#!/usr/bin/env python3
# cgcount.py - from a callgrind output file: the instructions counted and
# the calls of the allocator (malloc, calloc, realloc; strdup and friends
# call malloc), as "IR ALLOCS"; with --cache-sim=yes a third figure, the
# estimated cycles (Ir + 10 per L1 miss + 100 per last-level miss, as
# callgrind_annotate's documentation suggests).  bench/run.sh divides them
# by the lines and the events.  With --toggle-collect only the collected
# part is counted.
#
# SPDX-License-Identifier: Apache-2.0
import re
import sys

ALLOC = {"malloc", "calloc", "realloc"}
names = {}
events = []
tot = []
ir = 0
allocs = 0
want = False
with open(sys.argv[1], errors="replace") as f:
    for line in f:
        if line.startswith("events:"):
            events = line.split()[1:]
        elif line.startswith("summary:") or line.startswith("totals:"):
            v = [int(x) for x in line.split()[1:]]
            if v and v[0] >= ir:
                ir, tot = v[0], v
        elif line.startswith("cfn="):
            m = re.match(r"cfn=\((\d+)\)(?: (.*))?", line.rstrip("\n"))
            if m:
                if m.group(2) is not None:
                    names[m.group(1)] = m.group(2)
                name = names.get(m.group(1), "")
            else:
                name = line[4:].strip()
            want = name.split("'")[0] in ALLOC
        elif line.startswith("fn="):
            m = re.match(r"fn=\((\d+)\)(?: (.*))?", line.rstrip("\n"))
            if m and m.group(2) is not None:
                names[m.group(1)] = m.group(2)
            want = False
        elif line.startswith("calls="):
            if want:
                allocs += int(line[6:].split()[0])
            want = False
out = [ir, allocs]
if "D1mr" in events and len(tot) == len(events):
    e = dict(zip(events, tot))
    l1 = e.get("I1mr", 0) + e.get("D1mr", 0) + e.get("D1mw", 0)
    ll = e.get("ILmr", 0) + e.get("DLmr", 0) + e.get("DLmw", 0)
    out.append(ir + 10 * l1 + 100 * ll)
print(*out)
