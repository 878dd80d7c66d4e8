#!/usr/bin/env python3
# mkcorpus.py TARGET CASEDIR OUTDIR - seed inputs for a fuzz target from the
# case tables (tests/cases/*.cases: `line:` and its optional `tag:`), shaped
# as the target reads its input:
#   parse  byte 0 picks the tag in fuzz_parse.c's table: the case's tag when
#          the table has it, else 0xff (the target also splits the whole
#          line itself, which reaches the line's own tag), then the line;
#   cli    byte 0 picks the -t tag in fuzz_cli.c's table (the case's tag, or
#          none: the line is split), byte 1 the flags (--with-message), then
#          the line; tagged cases once more without the tag (--auto);
#   event  the cases' expected events (`expect:` JSON) as message bodies,
#          some behind "@cee:" or blanks, and hostile JSON (hostile_events():
#          deep nesting, huge numbers, wrong types, duplicate keys, NUL in
#          strings, invalid UTF-8, very long strings, edge dates, objects
#          that are no event).
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


def expects(casedir):
    for path in sorted(glob.glob(os.path.join(casedir, "*.cases"))):
        for raw in open(path, "rb").read().split(b"\n"):
            if raw.startswith(b"expect: {"):
                yield raw[8:]


def hostile_events():
    """JSON an aggregator may be sent: every member of the contract with a
    hostile value, and what is no event at all"""
    base = b'"kind":"auth","outcome":"failure","daemon":"dovecot","service":"imap"'
    ev = lambda rest=b"": b"{" + base + (b"," + rest if rest else b"") + b"}"
    out = []
    # deep nesting, around the tokener's depth limit and far past it
    for d in (30, 31, 32, 33, 200):
        out.append(ev(b'"geo":' + b'{"a":' * d + b"1" + b"}" * d))
        out.append(ev(b'"alert":' + b"[" * d + b"]" * d))
    out.append(b"[" * 5000)
    out.append(b'{"a":' * 3000)
    # huge, negative, fractional numbers
    for k in (b"port", b"attempts", b"count", b"window"):
        for v in (b"99999999999999999999", b"-99999999999999999999", b"9223372036854775807",
                  b"9223372036854775808", b"-1", b"65536", b"2147483648", b"1e400", b"-0",
                  b"25.0", b"1.5e3", b"0x19", b"NaN", b"Infinity", b"007"):
            out.append(ev(b'"' + k + b'":' + v))
    out.append(b'{"kind":"block","daemon":"lfd","ip":"192.0.2.1","count":9223372036854775807,'
               b'"window":99999999999999999999}')
    # wrong types for every member the reader looks at
    for k in (b"kind", b"outcome", b"daemon", b"reason", b"service", b"tls", b"mech", b"user",
              b"rdns", b"session", b"ip", b"server_ip", b"port", b"attempts", b"event_time",
              b"password_redacted", b"ambiguous", b"counted", b"harvest", b"correlated",
              b"alert", b"related"):
        for v in (b"1", b"null", b"true", b"[]", b"{}", b'"x"', b"1.5", b'["auth"]'):
            out.append(b'{' + base + b',"' + k + b'":' + v + b',"ip":"198.51.100.7"}')
    # duplicate keys: which one wins
    out.append(b'{"kind":"incident","kind":"auth","outcome":"failure","daemon":"sshd"}')
    out.append(b'{"kind":"auth","outcome":"failure","daemon":"sshd","kind":"incident"}')
    out.append(ev(b'"ip":"192.0.2.1","ip":"2001:db8::1","ip":"x"'))
    out.append(ev(b'"alert":{},"alert":{"bruteforce":{"count":1}},"related":[],"related":[]'))
    out.append(ev(b'"ambiguous":false,"ip":"192.0.2.9","ambiguous":true'))
    # NUL inside strings (escaped) and raw
    for k, v in ((b"kind", b"auth\\u0000x"), (b"outcome", b"failure\\u0000"),
                 (b"daemon", b"\\u0000"), (b"daemon", b"dovecot\\u0000evil"),
                 (b"user", b"a\\u0000b@example.org"), (b"ip", b"192.0.2.1\\u0000x"),
                 (b"service", b"imap\\u0000x"), (b"reason", b"bad_password\\u0000"),
                 (b"event_time", b"2024-01-01T00:00:00Z\\u0000"), (b"mech", b"PL\\u0000AIN")):
        o = {b"kind": b"auth", b"outcome": b"failure", b"daemon": b"dovecot"}
        o[k] = v
        out.append(b"{" + b",".join(b'"%s":"%s"' % (a, b) for a, b in o.items()) + b"}")
    out.append(ev(b'"user":"a\x00b"'))
    out.append(b'{"kind":"auth\x00","outcome":"failure","daemon":"x"}')
    # invalid UTF-8 and lone surrogates
    for u in (b"\xff\xfe", b"ab\xc3", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
              b"\\ud800", b"\\udc00x", b"\\ud83d\\ude00", b"\x1b[31m", b"\\u001b\\u007f"):
        out.append(ev(b'"user":"' + u + b'@ex\x01ample.org","rdns":"' + u + b'"'))
        out.append(ev(b'"daemon":"' + u + b'"'))
    # very long strings
    out.append(ev(b'"user":"' + b"a" * 5000 + b'@example.org"'))
    out.append(ev(b'"user":"' + b"a" * 255 + "\u00e9".encode() + b'"'))
    out.append(ev(b'"user":"' + "\u00e9".encode() * 200 + b'"'))
    out.append(ev(b'"user":"' + b"\\u0001" * 300 + b'"'))
    out.append(b'{"kind":"auth","outcome":"success","daemon":"' + b"d" * 3000 + b'"}')
    out.append(ev(b'"service":"' + b"s" * 33 + b'"'))
    out.append(ev(b'"ip":"' + b"1" * 100 + b'","rdns":"' + b"r" * 5000 + b'"'))
    out.append(ev(b'"session":"' + b"x" * 4000 + b'","mech":"' + b"m" * 400 + b'"'))
    # addresses
    for ip in (b"::ffff:192.0.2.1", b"fe80::1%eth0", b"[::1]", b"2001:db8::1", b"0.0.0.0",
               b"255.255.255.255", b"1.2.3", b"01.2.3.4", b"::", b"1:2:3:4:5:6:7:8:9",
               b"::ffff:0:0", b"2001:db8::1%"):
        out.append(ev(b'"ip":"' + ip + b'","server_ip":"' + ip + b'"'))
        out.append(ev(b'"ip":"' + ip + b'","ambiguous":true'))
    # edge dates
    for t in (b"9999-12-31T23:59:60Z", b"9999-12-31T23:59:59Z", b"1970-01-01T00:00:00Z",
              b"1970-01-01T00:00:01Z", b"1969-12-31T23:59:59Z", b"2024-02-31T23:59:60.123456789Z",
              b"0000-01-01T00:00:00Z", b"2024-13-01T00:00:00Z", b"2024-01-01 00:00:00Z",
              b"2024-01-01T00:00:00.Z", b"2024-01-01T00:00:00+01:00", b"2024-01-01T00:00:00"):
        out.append(ev(b'"event_time":"' + t + b'","ip":"203.0.113.9"'))
    # every flag, the block kind, the other kinds
    out.append(ev(b'"tls":true,"password_redacted":true,"ambiguous":true,"counted":false,'
                  b'"harvest":true,"correlated":true,"attempts":3,"port":65535,"reason":"other"'))
    out.append(b'{"kind":"block","daemon":"cphulkd","ip":"192.0.2.7","count":5,"window":600,'
               b'"outcome":"bogus","reason":"other"}')
    out.append(b'{"kind":"incident","detector":"bruteforce","key":"ip","ip":"192.0.2.1",'
               b'"id":"0123456789abcdef","state":"close","count":3,"window":600}')
    out.append(b'{"kind":"auth","outcome":"none","daemon":"x"}')
    out.append(b'{"kind":"AUTH","outcome":"failure","daemon":"x"}')
    out.append(b'{"kind":"auth","outcome":"failure","daemon":""}')
    for v in (b"[]", b'"auth"', b"1", b"null", b"true", b"", b"{", b"{}", b'{"kind":"auth"'):
        out.append(v)
    # many members
    out.append(ev(b",".join(b'"k%d":%d' % (i, i) for i in range(1000))))
    # the body as the plugin finds it: blanks, "@cee:", trailing text
    out.append(b"  \t@cee:   " + ev(b'"ip":"198.51.100.7"'))
    out.append(b"@cee:" + ev())
    out.append(ev(b'"ip":"198.51.100.7"') + b" trailing text")
    out.append(ev() + ev(b'"ip":"198.51.100.8"'))
    return out


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
    elif target == "event":
        for n, j in enumerate(expects(casedir)):
            seeds.append(j)
            if n % 50 == 0:
                seeds.append(b"@cee: " + j)
        seeds += hostile_events()
    else:
        sys.exit("mkcorpus.py: unknown target " + target)
    for n, s in enumerate(seeds, 1):
        with open(os.path.join(out, "seed-%d" % n), "wb") as f:
            f.write(s)


main()
