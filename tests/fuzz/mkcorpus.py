#!/usr/bin/env python3
# mkcorpus.py TARGET CASEDIR OUTDIR - seed inputs for a fuzz target from the
# case tables (tests/cases/*.cases: `line:` and its optional `tag:`), shaped
# as the target reads its input:
#   parse  byte 0 picks the tag in fuzz_parse.c's table: the case's tag when
#          the table has it, else 0xff (the target also splits the whole
#          line itself, which reaches the line's own tag), then the line;
#   cli    byte 0 picks the -t tag in fuzz_cli.c's table (the case's tag, or
#          none: the line is split), byte 1 the flags (--with-message), then
#          the line; tagged cases once more without the tag (--auto).
# The tag tables are read from the targets' sources.
#
# SPDX-License-Identifier: Apache-2.0
import glob
import os
import re
import sys

here = os.path.dirname(os.path.abspath(__file__))


def table(src, name):
    text = open(os.path.join(here, src), encoding="utf-8").read()
    body = re.search(r"%s\[\] = \{(.*?)\};" % re.escape(name), text, re.S).group(1)
    return [bytes(m, "utf-8").decode("unicode_escape") for m in re.findall(r'"((?:[^"\\]|\\.)*)"', body)]


def cases(casedir):
    for path in sorted(glob.glob(os.path.join(casedir, "*.cases"))):
        line, tag = None, None
        for raw in open(path, "rb").read().split(b"\n"):
            if raw.startswith(b"line: "):
                if line is not None:
                    yield line, tag
                line, tag = raw[6:], None
            elif raw.startswith(b"tag: ") and line is not None:
                tag = raw[5:].decode("utf-8", "replace")
        if line is not None:
            yield line, tag


def main():
    target, casedir, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    seeds = []
    if target == "parse":
        tags = table("fuzz_parse.c", "tags")
        for line, tag in cases(casedir):
            i = tags.index(tag) if tag in tags else 0xFF
            seeds.append(bytes([i]) + line)
    elif target == "cli":
        tags = table("fuzz_cli.c", "cli_tags")
        none = len(tags)  # byte 0 % (NCLITAGS + 1) == NCLITAGS: no tag
        for line, tag in cases(casedir):
            if tag is not None and tag in tags:
                seeds.append(bytes([tags.index(tag), 1]) + line)
            seeds.append(bytes([none, 1]) + line)
    else:
        sys.exit("mkcorpus.py: unknown target " + target)
    for n, s in enumerate(seeds, 1):
        with open(os.path.join(out, "seed-%d" % n), "wb") as f:
            f.write(s)


main()
