#!/usr/bin/env python3
# mkdict.py [DICT-FILES...] - print the libFuzzer dictionary of the
# recognisers: every string literal in the code (not the comments) of
# core/recognisers/*.c, the split helpers and the address parser, plus the
# entries of the given dictionary files ("keyword" per line; lines that are
# not entries are skipped), without duplicates, sorted.  tests/fuzz/dict is
# this script's output:
#
#   python3 tests/fuzz/mkdict.py [/path/dict-*.txt] > tests/fuzz/dict
#
# mkdict.py --event prints fuzz_event's dictionary instead (tests/fuzz/
# dict-event): the literals of core/event.c (the members of the event,
# the names of outcomes, reasons, detectors and services), the family
# names (the daemons), JSON's own tokens and a few hostile values:
#
#   python3 tests/fuzz/mkdict.py --event > tests/fuzz/dict-event
#
# SPDX-License-Identifier: Apache-2.0
import glob
import os
import re
import sys

top = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def code_literals(text):
    """the string literals of C source text, comments and char literals skipped"""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            i = n if j < 0 else j + 2
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c == "'":
            i += 1
            while i < n and text[i] != "'":
                i += 2 if text[i] == "\\" else 1
            i += 1
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i + 1:j])
            i = j + 1
        else:
            i += 1
    return out


def unescape_c(s):
    """bytes of a C string literal's body"""
    b, i = bytearray(), 0
    simple = {"n": 10, "t": 9, "r": 13, "0": 0, "\\": 92, '"': 34, "'": 39, "a": 7, "b": 8, "f": 12, "v": 11}
    raw = s.encode("utf-8")
    while i < len(raw):
        c = raw[i]
        if c != 92:
            b.append(c)
            i += 1
            continue
        e = chr(raw[i + 1])
        if e == "x":
            m = re.match(rb"[0-9a-fA-F]+", raw[i + 2:])
            b.append(int(m.group(0), 16) & 0xFF)
            i += 2 + len(m.group(0))
        elif e in "01234567" and re.match(rb"[0-7]{1,3}", raw[i + 1:]):
            m = re.match(rb"[0-7]{1,3}", raw[i + 1:])
            b.append(int(m.group(0), 8) & 0xFF)
            i += 1 + len(m.group(0))
        else:
            b.append(simple.get(e, ord(e)))
            i += 2
    return bytes(b)


def dict_entry(b):
    s = ""
    for c in b:
        if 32 <= c < 127 and c not in (34, 92):
            s += chr(c)
        else:
            s += "\\x%02X" % c
    return '"%s"' % s


def entries_of_dict(path):
    out = []
    for line in open(path, encoding="utf-8", errors="surrogateescape"):
        line = line.strip()
        m = re.match(r'^(?:[A-Za-z0-9_]+=)?"(.*)"$', line)
        if m:
            out.append(unescape_c(m.group(1)))
    return out


def event_words():
    out = set()
    for lit in code_literals(open(os.path.join(top, "core", "event.c"), encoding="utf-8").read()):
        b = unescape_c(lit)
        # names, not messages, punctuation or the #include lines
        if len(b) >= 2 and re.fullmatch(rb"[a-z][a-z0-9_!-]*", b):
            out.add(b)
            out.add(b'"' + b + b'"')
    for path in glob.glob(os.path.join(top, "core", "recognisers", "*.c")):
        for m in re.finditer(r"const ap_family_def ap_family_\w+ = \{\s*AP_FAM_\w+,\s*\"([^\"]+)\"",
                             open(path, encoding="utf-8").read()):
            out.add(b'"' + m.group(1).encode() + b'"')
    out.update([b"true", b"false", b"null", b'":', b'","', b"{}", b"[]", b"@cee:", b"\\u0000",
                b"\\ud800", b"\\u00e9", b"\\\\", b"\\\"", b"1e400", b"-0", b"9223372036854775807",
                b"9223372036854775808", b"65535", b"65536", b"2147483647", b"2147483648",
                b"T23:59:60Z", b"9999-12-31", b"1970-01-01T00:00:00Z", b"::ffff:", b"%eth0"])
    return out


if sys.argv[1:2] == ["--event"]:
    for b in sorted(event_words()):
        print(dict_entry(b))
    sys.exit(0)

words = set()
srcs = sorted(glob.glob(os.path.join(top, "core", "recognisers", "*.c")))
srcs += [os.path.join(top, "core", "split.c"), os.path.join(top, "core", "enrich", "addr.c")]
for path in srcs:
    for lit in code_literals(open(path, encoding="utf-8").read()):
        b = unescape_c(lit)
        # format strings of messages and one-byte literals add nothing
        if len(b) >= 2 and b"%" not in b:
            words.add(b)
for path in sys.argv[1:]:
    for b in entries_of_dict(path):
        if b:
            words.add(b)
for b in sorted(words):
    print(dict_entry(b))
