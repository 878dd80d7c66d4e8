#!/usr/bin/env python3
"""check-docs.py TOP: the module page docs/mmauthparse.rst is valid
reStructuredText (Sphinx's index directive aside) and, like the manual page
mmauthparse(7), names every action parameter plugin/mmauthparse.c accepts;
mmauthparse(1) names every long option of the tool's parse, report and
follow commands; both manual pages format without groff warnings.

SPDX-License-Identifier: Apache-2.0
"""
import io
import os
import re
import subprocess
import sys

try:
    import docutils  # noqa: F401
except ImportError:  # Debian's python3-docutils, when python3 is another one
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)

top = sys.argv[1] if len(sys.argv) > 1 else "."
fails = 0


def result(ok, what):
    global fails
    print(("PASS " if ok else "FAIL ") + what)
    fails += 0 if ok else 1


def read(p):
    with open(f"{top}/{p}", encoding="utf-8") as f:
        return f.read()


plugin = read("plugin/mmauthparse.c")
table = plugin[plugin.index("actpdescr[]"):plugin.index("actpblk")]
params = re.findall(r'\{ "([a-z0-9.]+)", eCmdHdlr', table)
result(len(params) >= 20, f"docs: {len(params)} action parameters read from plugin/mmauthparse.c")

# --- the module page -------------------------------------------------------
rst = read("docs/mmauthparse.rst")
try:
    import docutils.core
    from docutils.parsers.rst import Directive, directives

    class Index(Directive):  # Sphinx's, not docutils'
        has_content = True
        optional_arguments = 1
        final_argument_whitespace = True

        def run(self):
            return []

    directives.register_directive("index", Index)
    err = io.StringIO()
    docutils.core.publish_doctree(rst, settings_overrides={
        "warning_stream": err, "report_level": 2, "syntax_highlight": "none"})
    result(err.getvalue() == "", "docs: mmauthparse.rst is valid reStructuredText"
           + ("" if err.getvalue() == "" else ": " + err.getvalue()[:300]))
except ImportError:
    result(False, "docs: python3-docutils is missing")
for sec in ("Purpose", "Module Parameters", "Action Parameters", "Statistic Counter", "HUP",
            "Examples"):
    result(re.search(rf"^{sec}\n[=\-]+$", rst, re.M) is not None, f"docs: mmauthparse.rst has '{sec}'")
lower = rst.lower()
missing = [p for p in params if f"``{p}``" not in lower]
result(not missing, "docs: mmauthparse.rst lists every action parameter" + (f": missing {missing}" if missing else ""))

# --- the manual pages ------------------------------------------------------
man7 = read("docs/mmauthparse.7").replace("\\-", "-").lower()
missing = [p for p in params if not re.search(rf"\b{re.escape(p)}\b", man7)]
result(not missing, "docs: mmauthparse(7) lists every action parameter" + (f": missing {missing}" if missing else ""))

man1 = read("docs/mmauthparse.1").replace("\\-", "-")
opts = set()
for src in ("tools/mmauthparse.c", "tools/report/report.c", "tools/report/read.c"):
    opts.update(re.findall(r'\{ "([a-z][a-z-]+)",\s+(?:no|required)_argument', read(src)))
missing = sorted(o for o in opts if f"--{o}" not in man1)
result(not missing, f"docs: mmauthparse(1) names all {len(opts)} long options" + (f": missing {missing}" if missing else ""))

for page in ("docs/mmauthparse.1", "docs/mmauthparse.7"):
    p = subprocess.run(["groff", "-man", "-ww", "-z", f"{top}/{page}"], capture_output=True, text=True)
    result(p.returncode == 0 and p.stderr == "", f"docs: {page} formats without groff warnings"
           + ("" if p.stderr == "" else ": " + p.stderr[:300]))
sys.exit(1 if fails else 0)
