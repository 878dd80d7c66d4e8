#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""check-includes.py [TOP [BUILD]]: no file imports a file that imports it back.

Reads the `#include "..."` lines of every C file under core/, plugin/,
tools/, tests/ and bench/.  A module is a path without its extension
(core/text.c and core/text.h are one module, core/text); a module imports
the modules of the headers it includes, resolved against the including
file's folder, then core/, then tools/.  The module graph must have no
cycle: prints PASS or one FAIL line per cycle found, and a FAIL for an
include that resolves to no file of ours while looking like one.

With BUILD (a build directory), the same check on what the objects really
call: a module imports the module whose object defines a symbol its own
object leaves undefined (nm).  This catches a header that declares another
file's functions, which the include lines cannot show."""
import subprocess
import os
import re
import sys

top = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                      os.path.join(os.path.dirname(__file__), '..', '..'))
build = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else None
roots = ['core', 'plugin', 'tools', 'tests', 'bench']
search = ['core', 'tools']
inc_re = re.compile(r'^\s*#\s*include\s+"([^"]+)"')

files = []
for r in roots:
    for d, _, names in os.walk(os.path.join(top, r)):
        for n in names:
            if n.endswith(('.c', '.h')):
                files.append(os.path.relpath(os.path.join(d, n), top))

fileset = set(files)
edges = {}
failed = 0
for f in sorted(files):
    mod = os.path.splitext(f)[0]
    edges.setdefault(mod, set())
    with open(os.path.join(top, f), encoding='utf-8', errors='replace') as fh:
        for line in fh:
            m = inc_re.match(line)
            if not m:
                continue
            name = m.group(1)
            cands = [os.path.normpath(os.path.join(os.path.dirname(f), name))]
            cands += [os.path.normpath(os.path.join(s, name)) for s in search]
            hit = next((c for c in cands if c in fileset), None)
            if hit is None:
                continue        # rsyslog's headers, ap_config.h, config.h
            dep = os.path.splitext(hit)[0]
            if dep != mod:
                edges[mod].add(dep)

def cycles(edges):
    """strongly connected components of more than one module (Tarjan)"""
    index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return sccs


sys.setrecursionlimit(10000)
for comp in cycles(edges):
    print('FAIL includes: these modules import each other: ' + ' <-> '.join(comp))
    failed += 1
nedges = sum(len(e) for e in edges.values())
if not failed:
    print('PASS includes: %d modules, %d imports, no cycle' % (len(edges), nedges))

if build:
    # object -> module: libtool and automake name objects
    # <dir>/[.libs/]<target>-<base>.o
    objs = {}
    for d, _, names in os.walk(build):
        for n in names:
            if not n.endswith('.o'):
                continue
            rel = os.path.relpath(d, build).replace('/.libs', '').replace('.libs', '.')
            base = n[:-2].split('-', 1)[-1]
            mod = os.path.normpath(os.path.join(rel, base))
            if os.path.splitext(mod)[0] + '.c' in fileset or mod + '.c' in fileset:
                objs[mod] = os.path.join(d, n)
    defined, undefined = {}, {}
    for mod, o in objs.items():
        out = subprocess.run(['nm', o], capture_output=True, text=True).stdout
        undefined[mod] = set()
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in 'TDBRC':
                defined.setdefault(parts[2], mod)
            elif len(parts) == 2 and parts[0] == 'U':
                undefined[mod].add(parts[1])
    calls = {m: set() for m in objs}
    for mod, syms in undefined.items():
        for sym in syms:
            dep = defined.get(sym)
            if dep is not None and dep != mod:
                calls[mod].add(dep)
    bad = cycles(calls)
    for comp in bad:
        print('FAIL includes: these objects call each other: ' + ' <-> '.join(comp))
        failed += 1
    if not bad:
        print('PASS includes: %d objects, %d calls between them, no cycle'
              % (len(calls), sum(len(c) for c in calls.values())))
sys.exit(1 if failed else 0)
