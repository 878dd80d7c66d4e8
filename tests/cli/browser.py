#!/usr/bin/env python3
"""browser.py BINARY - the HTML report in a real headless browser (Debian's
chromium, driven through chromedriver's WebDriver HTTP API with nothing but
the standard library): for the crafted report input and for one with very
long labels, at a desktop and a narrow window width, the page logs no
console error, the world map and every chart are present and non-empty,
no SVG text runs out of its chart, and the page fits its width (nothing
sticks out to the right). Prints PASS/FAIL lines; SCREENSHOT_DIR=DIR keeps
a PNG of each page.

SPDX-License-Identifier: Apache-2.0
"""
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.abspath(sys.argv[1])
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage"]
fails = 0


def result(ok, what, why=""):
    global fails
    print(("PASS " if ok else "FAIL ") + what + ("" if ok or not why else ": " + why))
    fails += 0 if ok else 1


def find(*names):
    for n in names:
        p = shutil.which(n) or (n if os.path.exists(n) else None)
        if p:
            return p
    return None


chromium = find("chromium", "/usr/bin/chromium")
driver = find("chromedriver", "/usr/bin/chromedriver")
if not chromium or not driver:
    result(False, "browser: chromium and chromium-driver are installed (scripts/setup.sh)")
    sys.exit(1)

work = tempfile.mkdtemp(prefix="mmap-browser.")
# the inputs: the CLI's crafted events, and events with very long labels
pages = {}
with open(os.path.join(work, "crafted.html"), "w") as out:
    subprocess.run([BIN, "report", "--format", "html", os.path.join(HERE, "report-input.jsonl")],
                   stdout=out, stderr=subprocess.DEVNULL, check=True)
pages["crafted"] = os.path.join(work, "crafted.html")
long_user = "W" * 120 + "@" + "m" * 60 + ".example.com"
long_cjk = "\u6f22\u5b57" * 40
with open(os.path.join(work, "long.jsonl"), "w") as f:
    for i in range(30):
        ev = {"time": "2026-03-%02dT%02d:00:00Z" % (1 + i % 28, i % 24), "kind": "auth",
              "outcome": "failure", "daemon": "d" * 30, "service": "s" * 30,
              "user": (long_user if i % 2 else long_cjk) + str(i % 12),
              "ip": "2001:db8:ffff:ffff:ffff:ffff:ffff:%x" % i,
              "geo": {"scope": "public", "country": ["CN", "RU", "BR", "US", "DE"][i % 5],
                      "country_name": "Country with a very long official name " * 3,
                      "asn": 64500 + i, "as_org": "An autonomous system organisation " * 4}}
        f.write(json.dumps(ev) + "\n")
    f.write(json.dumps({"time": "2026-03-29T00:00:00Z", "kind": "auth", "outcome": "success",
                        "daemon": "x", "service": "imap", "tls": False, "user": long_user,
                        "ip": "2001:db8:ffff:ffff:ffff:ffff:ffff:1",
                        "alert": {"compromise": {"count": 9}}}) + "\n")
with open(os.path.join(work, "long.html"), "w") as out:
    subprocess.run([BIN, "report", "--format", "html", os.path.join(work, "long.jsonl")],
                   stdout=out, stderr=subprocess.DEVNULL, check=True)
pages["long labels"] = os.path.join(work, "long.html")

s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
drv = subprocess.Popen([driver, "--port=%d" % port, "--allowed-ips=127.0.0.1"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
base = "http://127.0.0.1:%d" % port


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read() or b"{}").get("value")


CHECK = r"""
const de = document.documentElement;
const r = {scrollW: de.scrollWidth, clientW: de.clientWidth};
const svgs = [...document.querySelectorAll('svg')];
r.svgs = svgs.map(s => { const b = s.getBoundingClientRect();
  return {cls: s.getAttribute('class'), w: b.width, h: b.height, right: b.right,
          shapes: s.querySelectorAll('rect,path').length}; });
const m = document.querySelector('svg.map');
r.map = m ? {paths: m.querySelectorAll('path').length,
             shaded: m.querySelectorAll('path:not(.l0)').length,
             fill: m.querySelector('path:not(.l0)') ?
                   getComputedStyle(m.querySelector('path:not(.l0)')).fill : ''} : null;
r.clipped = [];
for (const s of svgs) { const vb = s.viewBox.baseVal;
  for (const t of s.querySelectorAll('text')) { const b = t.getBBox();
    if (b.x < -1 || b.x + b.width > vb.width + 1) r.clipped.push(t.textContent.slice(0, 40)); } }
// an SVG clips what it holds: its own box counts, not its shapes'
r.over = [...document.body.querySelectorAll('*')]
  .filter(e => !(e.ownerSVGElement))
  .filter(e => e.getBoundingClientRect().right > de.clientWidth + 0.5)
  .map(e => e.tagName + ': ' + (e.textContent || '').slice(0, 40)).slice(0, 3);
r.tables = document.querySelectorAll('table').length;
return r;
"""

try:
    for _ in range(100):
        try:
            if call("GET", "/status").get("ready"):
                break
        except OSError:
            pass
        time.sleep(0.1)
    profile = tempfile.mkdtemp(prefix="profile.", dir=work)
    caps = {"capabilities": {"alwaysMatch": {
        "browserName": "chrome",
        "goog:chromeOptions": {"binary": chromium, "args": FLAGS + ["--user-data-dir=" + profile]},
        "goog:loggingPrefs": {"browser": "ALL"}}}}
    sid = call("POST", "/session", caps)["sessionId"]
    try:
        for name, path in pages.items():
            for width in (1280, 640):
                call("POST", "/session/%s/window/rect" % sid, {"width": width, "height": 1000})
                call("POST", "/session/%s/url" % sid, {"url": "file://" + path})
                r = call("POST", "/session/%s/execute/sync" % sid, {"script": CHECK, "args": []})
                logs = call("POST", "/session/%s/se/log" % sid, {"type": "browser"}) or []
                errors = [e["message"][:200] for e in logs if e.get("level") == "SEVERE"]
                tag = "browser: %s, %d px:" % (name, width)
                result(not errors, tag + " no console error", "; ".join(errors))
                mp = r["map"]
                result(mp is not None and mp["paths"] >= 170 and mp["shaded"] >= 3
                       and mp["fill"] not in ("", "rgb(0, 0, 0)"),
                       tag + " the world map is there with shaded countries", json.dumps(mp))
                charts = [x for x in r["svgs"] if x["cls"] in ("chart", "tl", "map")]
                empty = [x for x in charts if x["w"] < 50 or x["h"] < 20 or x["shapes"] == 0]
                result(len(charts) == 5 and not empty,
                       tag + " the map, the timeline and the three bar charts are non-empty",
                       json.dumps(r["svgs"]))
                result(not r["clipped"], tag + " no chart label runs out of its chart",
                       json.dumps(r["clipped"][:3]))
                result(r["scrollW"] <= r["clientW"] and not r["over"],
                       tag + " the page fits its width",
                       "scrollWidth %s > %s: %s" % (r["scrollW"], r["clientW"], r["over"]))
                if os.environ.get("SCREENSHOT_DIR"):
                    png = call("GET", "/session/%s/screenshot" % sid)
                    fn = "%s-%d.png" % (name.replace(" ", "-"), width)
                    with open(os.path.join(os.environ["SCREENSHOT_DIR"], fn), "wb") as f:
                        f.write(base64.b64decode(png))
    finally:
        call("DELETE", "/session/%s" % sid)
except Exception as e:  # the browser did not run: one failure naming why
    result(False, "browser: chromium ran the page", repr(e)[:300])
finally:
    drv.terminate()
    try:
        drv.wait(10)
    except subprocess.TimeoutExpired:
        drv.kill()
    shutil.rmtree(work, ignore_errors=True)
print("browser: %s" % ("ok" if not fails else "%d failed" % fails))
sys.exit(1 if fails else 0)
