#!/usr/bin/env bash
# bench/worst.sh - the recognisers' worst inputs (bench/worst.c): is every
# recogniser linear in the line's length?
#
#   bench/worst.sh                 the bench: lines/s of the hand-written
#                                  shapes at 4, 16 and 64 KB, then the
#                                  instruction counts (callgrind) of every
#                                  shape at 16 and 64 KB; prints the tables
#   bench/worst.sh --out FILE      also writes them to FILE (markdown)
#   bench/worst.sh --check         the test: the instruction counts only, one
#                                  PASS/FAIL line per family, FAIL when a
#                                  shape costs LIMIT times as much at 64 KB
#                                  as at 16 KB (default 6: linear is about
#                                  4, quadratic about 16)
#   --limit R                      the limit of --check
#
# The shapes: bench/worst-shapes.txt (written by hand from each recogniser's
# searches) and a generated sweep: every string literal in the code of
# core/recognisers/<family>.c (and sasl.c for courier and exim) repeated
# between the prefix and suffix of the family's first hand-written shape, as
# is, followed by "1", and followed by "1 " with the second half of the line
# blank.  A family without hand-written shapes gets its first positive case
# line, cut in the middle, as the sweep's base (and --check fails a family
# with neither).  Instruction counts do not depend on the machine or its
# load, so --check gives the same verdict everywhere.
#
# Environment: BUILD (a configured build directory, default <top>/build),
# WORST_MS (time per line and size in the bench, default 30), KEEP=1.
# Needs valgrind (callgrind) and python3.
#
# SPDX-License-Identifier: Apache-2.0
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
check=0 limit=6 out=""
while [ $# -gt 0 ]; do
  case $1 in
    --check) check=1 ;;
    --limit) limit=$2; shift ;;
    --out) out=$2; shift ;;
    *) echo "usage: $0 [--check] [--limit R] [--out FILE]" >&2; exit 2 ;;
  esac
  shift
done
work=$(mktemp -d "${TMPDIR:-/tmp}/mmap-worst.XXXXXX")
cleanup() { if [ "${KEEP:-0}" = 1 ]; then echo "worst: kept $work" >&2; else rm -rf "$work"; fi; }
trap cleanup EXIT

[ -f "$build/Makefile" ] || { echo "FAIL worst: no configured build in $build"; exit 1; }
make -s -C "$build" bench/worst > "$work/make.log" 2>&1 \
  || { echo "FAIL worst: build"; tail -20 "$work/make.log"; exit 1; }
W=$build/bench/worst
command -v valgrind >/dev/null || { echo "FAIL worst: valgrind not installed"; exit 1; }

# the sweep
python3 - "$top" "$top/bench/worst-shapes.txt" "$work/missing.txt" > "$work/sweep.txt" <<'PY' || { echo "FAIL worst: sweep"; exit 1; }
import glob, os, re, sys
top, shapes, missing = sys.argv[1], sys.argv[2], sys.argv[3]

def literals(text):
    out, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("/*", i):
            j = text.find("*/", i + 2); i = n if j < 0 else j + 2
        elif text.startswith("//", i):
            j = text.find("\n", i); i = n if j < 0 else j
        elif text[i] == "'":
            i += 1
            while i < n and text[i] != "'":
                i += 2 if text[i] == "\\" else 1
            i += 1
        elif text[i] == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i + 1:j]); i = j + 1
        else:
            i += 1
    return out

def c_bytes(s):
    return s.encode("utf-8").decode("unicode_escape").encode("latin-1")

def esc(b):
    o = ""
    for c in b:
        o += "\\t" if c == 9 else "\\\\" if c == 92 else chr(c) if 32 <= c < 127 else "\\x%02x" % c
    return o

base = {}
for line in open(shapes, encoding="utf-8"):
    if line.startswith("#") or not line.strip():
        continue
    f = line.rstrip("\n").split("\t")
    base.setdefault(f[0], f)
# a family without hand-written shapes: its first positive case line, cut in
# the middle, is its base (the literals then repeat inside a real line)
def case_base(fam):
    path = os.path.join(top, "tests", "cases", fam + ".cases")
    if not os.path.exists(path):
        return None
    rows = [l.rstrip("\n") for l in open(path, encoding="utf-8", errors="surrogateescape")]
    for i, l in enumerate(rows):
        if not l.startswith("line: "):
            continue
        line, tag, expect = l[6:], None, None
        for m in rows[i + 1:]:
            if m.startswith("line: "):
                break
            if m.startswith("tag: "):
                tag = m[5:]
            if m.startswith("expect: "):
                expect = m[8:]
        if expect is None or expect.strip() == "none":
            continue
        msg = line
        if tag is None:
            m = re.match(r"^(?:<\d+>)?(?:[A-Z][a-z]{2} +\d+ [\d:]+|\d{4}-\d\d-\d\dT\S+) \S+ (\S+:)( .*)$", line)
            if not m:
                continue
            tag, msg = m.group(1), m.group(2)
        cut = msg.find(" ", len(msg) // 2)
        if cut < 0:
            cut = len(msg)
        e = lambda t: esc(t.encode("utf-8", "surrogateescape"))
        return [fam, "case", e(tag), e(msg[:cut]), "x", "", e(msg[cut:])]
    return None

fams = set()
for path in glob.glob(os.path.join(top, "core", "recognisers", "*.c")):
    if re.search(r"^const ap_family_def ap_family_\w+\s*=", open(path, encoding="utf-8").read(), re.M):
        fams.add(os.path.basename(path)[:-2])
with open(missing, "w") as mf:
    for fam in sorted(fams - set(base)):
        b = case_base(fam)
        if b is None:
            mf.write(fam + "\n")
        else:
            base[fam] = b
            sys.stderr.write("worst: %s has no hand-written shapes: its case line is the sweep's base\n" % fam)

for fam, f in base.items():
    files = [fam + ".c"] + (["sasl.c"] if fam in ("courier", "exim") else [])
    words = set()
    for fn in files:
        path = os.path.join(top, "core", "recognisers", fn)
        for lit in literals(open(path, encoding="utf-8").read()):
            try:
                b = c_bytes(lit)
            except Exception:
                continue
            if len(b) >= 2 and b"%" not in b:
                words.add(b)
    for w in sorted(words):
        for unit, fill, kind in ((w, b"", ""), (w + b"1", b"", " 1"), (w + b"1 ", b" ", " 1, blanks")):
            print("\t".join([fam, "sweep: '%s'%s" % (esc(w), kind), f[2], f[3], esc(unit), esc(fill), f[6]]))
PY
grep -v '^#' "$top/bench/worst-shapes.txt" | grep -v '^$' > "$work/all.txt"
cat "$work/sweep.txt" >> "$work/all.txt"
nhand=$(grep -c . <(grep -v '^#' "$top/bench/worst-shapes.txt" | grep -v '^$'))
nsweep=$(grep -c . "$work/sweep.txt")

if [ $check = 0 ]; then
  echo "worst: $nhand hand-written shapes, lines per second (one core; ratio: time per line at 64 KB / at 16 KB)" >&2
  "$W" -s 4096,16384,65536 -t "${WORST_MS:-30}" "$top/bench/worst-shapes.txt" > "$work/time.txt" \
    || { echo "FAIL worst: the timed run"; exit 1; }
fi
echo "worst: $((nhand + nsweep)) shapes ($nhand hand-written, $nsweep sweep) under callgrind at 16 and 64 KB" >&2
valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" --dump-instr=no --dump-line=no \
  --compress-strings=no --compress-pos=no "$W" -c -s 16384,65536 "$work/all.txt" \
  > "$work/map.txt" 2> "$work/valgrind.log" || { echo "FAIL worst: callgrind run"; tail "$work/valgrind.log"; exit 1; }

python3 - "$work" "$check" "$limit" "$nhand" "${out:-}" <<'PY'
import glob, os, re, sys
work, check, limit, nhand, out = sys.argv[1], sys.argv[2] == "1", float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
ir = {}
for path in glob.glob(os.path.join(work, "cg.out.*")):
    label = total = None
    for line in open(path, encoding="latin-1"):
        m = re.match(r"desc: Trigger: Client Request: worst (\d+)", line)
        if m:
            label = int(m.group(1))
        m = re.match(r"summary: (\d+)", line)
        if m:
            total = int(m.group(1))
    if label is not None and total is not None:
        ir[label] = total
shapes, order = {}, []
for line in open(os.path.join(work, "map.txt"), encoding="utf-8", errors="backslashreplace"):
    n, fam, shape, size = line.rstrip("\n").split("\t")
    key = (fam, shape)
    if key not in shapes:
        shapes[key] = {}
        order.append(key)
    shapes[key][int(size)] = ir.get(int(n))
missing = [k for k in order if None in shapes[k].values()]
if missing:
    print("FAIL worst: no instruction count for %d shapes (callgrind dumps missing)" % len(missing))
    sys.exit(1)
ratio = {k: shapes[k][65536] / max(1, shapes[k][16384]) for k in order}
fams = []
for fam, _ in order:
    if fam not in fams:
        fams.append(fam)
if check:
    bad = 0
    for fam in open(os.path.join(work, "missing.txt")).read().split():
        bad += 1
        print("FAIL worst %s: no shapes (add them to bench/worst-shapes.txt, or a case line)" % fam)
    for fam in fams:
        ks = [k for k in order if k[0] == fam]
        worst = sorted(ks, key=lambda k: -ratio[k])
        over = [k for k in worst if ratio[k] >= limit]
        if over:
            bad += 1
            print("FAIL worst %s: %d of %d shapes cost %.0fx or more at 64 KB than at 16 KB (linear ~4): %s"
                  % (fam, len(over), len(ks), limit,
                     "; ".join("%s %.1fx (%d -> %d Ir)" % (k[1], ratio[k], shapes[k][16384], shapes[k][65536]) for k in over[:4])))
        else:
            print("PASS worst %s: %d shapes, at most %.2fx at 64 KB vs 16 KB (%s)" % (fam, len(ks), ratio[worst[0]], worst[0][1]))
    sys.exit(1 if bad else 0)
# the bench tables
tpath = os.path.join(work, "time.txt")
lines = open(tpath, encoding="utf-8", errors="backslashreplace").read().splitlines()[1:]
hand = order[:nhand]
md = []
md.append("| family | shape | lines/s 4 KB | lines/s 16 KB | lines/s 64 KB | time 64/16 | Ir 16 KB | Ir 64 KB | Ir 64/16 |")
md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|")
for k, tl in zip(hand, lines):
    nums = tl[46:].split()
    md.append("| %s | %s | %s | %s | %s | %s | %d | %d | %.2f |" % (k[0], k[1].replace("|", "\\|"), nums[0], nums[1], nums[2], nums[3],
              shapes[k][16384], shapes[k][65536], ratio[k]))
md.append("")
md.append("Sweep (every literal of the family's recogniser repeated in its first shape; three variants each): the costliest shape per family.")
md.append("")
md.append("| family | sweep shapes | highest Ir 64/16 | its shape | Ir 16 KB | Ir 64 KB |")
md.append("|---|---:|---:|---|---:|---:|")
for fam in fams:
    ks = [k for k in order[nhand:] if k[0] == fam]
    if not ks:
        continue
    w = max(ks, key=lambda k: ratio[k])
    md.append("| %s | %d | %.2f | %s | %d | %d |" % (fam, len(ks), ratio[w], w[1].replace("|", "\\|"), shapes[w][16384], shapes[w][65536]))
text = "\n".join(md) + "\n"
print(text)
if out:
    open(out, "w", encoding="utf-8").write(text)
PY
