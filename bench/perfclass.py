#!/usr/bin/env python3
# perfclass.py - where rsyslogd's time goes, by cost class (the allocator,
# libfastjson building and freeing the event, rendering JSON, mmauthparse's
# own code and geo, the rest of rsyslog and the kernel).  Prints markdown.
#
#   perfclass.py REPORT.txt CPU_NS_PER_MSG
#       a `perf report --no-children --sort dso,sym --stdio -q`; each
#       class's share of the CPU time per message (ns)
#   perfclass.py --callgrind OUT.N MESSAGES [BASE.N]
#       a callgrind output file (--cache-sim=yes) of rsyslogd: instructions
#       and estimated cycles (Ir + 10 per L1 miss + 100 per last-level miss)
#       per message by class; with BASE.N (rsyslogd without the module) the
#       difference, the cost the module adds
#
# SPDX-License-Identifier: Apache-2.0
import re
import sys

ALLOC = re.compile(r"^(_?_?libc_)?(malloc|calloc|realloc|free|cfree|_int_malloc|_int_free"
                   r"|_int_realloc|unlink_chunk.*|malloc_consolidate|sysmalloc|tcache.*"
                   r"|_int_free_merge_chunk|_int_free_create_chunk|_int_free_maybe_consolidate"
                   r"|arena_get2.*|__memset.*|memset.*)$")
RENDER = re.compile(r"to_json_string|printbuf|escape|jsonAddVal|getJSONPropVal|tplToString")


def classify(dso, sym):
    if dso.startswith("libc") and ALLOC.match(sym):
        return "allocator (malloc, calloc, free; memset: calloc's zeroing)"
    if dso.startswith("libfastjson"):
        return "rendering JSON (libfastjson serialiser, printbuf)" if RENDER.search(sym) \
            else "libfastjson: building and freeing the tree"
    if RENDER.search(sym):
        return "rendering JSON (libfastjson serialiser, printbuf)"
    if dso.startswith("mmauthparse"):
        return "mmauthparse: recognition, enrichment, detection"
    if dso.startswith("libmaxminddb"):
        return "geo: libmaxminddb"
    if dso.startswith("liblognorm") or dso.startswith("libestr") or dso.startswith("mmnormalize"):
        return "mmnormalize, liblognorm"
    if dso.startswith("[kernel") or dso == "[unknown]":
        return "kernel (network, files, scheduling)"
    return "rsyslog itself (input, queue, parser, omfile, libc)"


def callgrind(path, nmsg):
    """per class: [Ir, estimated cycles] per message, from the exclusive
    costs in the raw file (a cost line right after calls= is the call's
    inclusive cost and is skipped)"""
    events, names, res = [], {}, {}
    ob = fn = ""
    after_calls = False

    def name(kind, rest):
        m = re.match(r"\((\d+)\)(?: (.*))?$", rest)
        if not m:
            return rest
        if m.group(2) is not None:
            names[(kind, m.group(1))] = m.group(2)
        return names.get((kind, m.group(1)), "")

    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("events:"):
                events = line.split()[1:]
            elif line.startswith("ob="):
                ob = name("ob", line[3:])
            elif line.startswith("fn="):
                fn = name("fn", line[3:])
            elif line.startswith("cob="):
                name("ob", line[4:])
            elif line.startswith(("cfi=", "cfl=")):
                name("fl", line[4:])
            elif line.startswith("cfn="):
                name("fn", line[4:])
            elif line.startswith(("fl=", "fi=", "fe=")):
                name("fl", line[3:])
            elif line.startswith("calls="):
                after_calls = True
            elif line[:1].isdigit() or line[:1] in "+-*":
                if after_calls:
                    after_calls = False
                    continue
                v = line.split()[1:]
                if not v:
                    continue
                e = dict(zip(events, (int(x) for x in v)))
                l1 = e.get("I1mr", 0) + e.get("D1mr", 0) + e.get("D1mw", 0)
                ll = e.get("ILmr", 0) + e.get("DLmr", 0) + e.get("DLmw", 0)
                c = classify(ob.rsplit("/", 1)[-1], fn.split("'")[0])
                r = res.setdefault(c, [0.0, 0.0])
                r[0] += e.get("Ir", 0) / nmsg
                r[1] += (e.get("Ir", 0) + 10 * l1 + 100 * ll) / nmsg
    return res


if sys.argv[1] == "--callgrind":
    res = callgrind(sys.argv[2], int(sys.argv[3]))
    base = callgrind(sys.argv[4], int(sys.argv[3])) if len(sys.argv) > 4 else None
    keys = sorted(set(res) | set(base or {}), key=lambda k: -res.get(k, [0, 0])[1])
    if base is None:
        print("| class | Ir/msg | est. cycles/msg |")
        print("|---|---:|---:|")
    else:
        print("| class | Ir/msg | est. cycles/msg | of which the module adds |")
        print("|---|---:|---:|---:|")
    tot = [0.0, 0.0, 0.0]
    for k in keys:
        r = res.get(k, [0.0, 0.0])
        tot[0] += r[0]
        tot[1] += r[1]
        if base is None:
            print("| %s | %.0f | %.0f |" % (k, r[0], r[1]))
        else:
            d = r[1] - base.get(k, [0.0, 0.0])[1]
            tot[2] += d
            print("| %s | %.0f | %.0f | %.0f |" % (k, r[0], r[1], d))
    if base is None:
        print("| all | %.0f | %.0f |" % (tot[0], tot[1]))
    else:
        print("| all | %.0f | %.0f | %.0f |" % (tot[0], tot[1], tot[2]))
    sys.exit(0)

cls = {}
syms = []
total = 0.0
with open(sys.argv[1], errors="replace") as f:
    for line in f:
        m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+\[[.k]\]\s+(.*\S)", line)
        if not m:
            continue
        pct, dso, sym = float(m.group(1)), m.group(2), m.group(3)
        c = classify(dso, sym)
        cls[c] = cls.get(c, 0.0) + pct
        syms.append((pct, dso, sym))
        total += pct
cpu = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
print("| class | share of samples | ns per message |")
print("|---|---:|---:|")
for c, p in sorted(cls.items(), key=lambda kv: -kv[1]):
    share = p / total if total else 0
    print("| %s | %.1f%% | %.0f |" % (c, 100 * share, share * cpu))
print("| all (rsyslogd's CPU time per message) | 100%% | %.0f |" % cpu)
print()
print("Top symbols: " + ", ".join("%s %.1f%%" % (s, 100 * p / total)
                                  for p, d, s in sorted(syms, reverse=True)[:12]) + ".")
