#!/usr/bin/env bash
# mmauthparse: install every build and test dependency on Debian bookworm and
# fetch the rsyslog source matching the installed rsyslogd (rsyslog ships no
# headers). Safe to run twice. Needs root (or sudo).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
SDK_DIR=${MMAP_SDK_DIR:-$here/.deps}
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

log() { printf 'setup: %s\n' "$*" >&2; }

PKGS=(build-essential autoconf automake libtool pkg-config
      rsyslog libestr-dev libfastjson-dev libmaxminddb-dev mmdb-bin
      libmaxmind-db-writer-perl libnet-works-perl valgrind
      clang clang-tools libclang-rt-14-dev llvm
      dpkg-dev python3 fail2ban gzip ca-certificates rsyslog-elasticsearch logrotate
      libhiredis-dev redis-server)

export DEBIAN_FRONTEND=noninteractive

# 1. deb-src entries so that `apt-get source rsyslog` works.
need_update=0
if ! grep -rqsE '^(deb-src|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null; then
  log "adding deb-src entries for bookworm"
  $SUDO tee /etc/apt/sources.list.d/mmauthparse-src.sources >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  need_update=1
fi

# 2. packages (skip apt entirely when everything is there already)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ] || [ $need_update -eq 1 ]; then
  log "apt-get update"
  $SUDO apt-get update -qq
fi
if [ ${#missing[@]} -gt 0 ]; then
  log "installing: ${missing[*]}"
  # fail2ban, rsyslog and redis-server must not start services on a build
  # machine (the cluster tests start a private redis-server of their own)
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm fetches the DB-IP demo database; a machine with node from elsewhere
# already has it (Debian's npm conflicts with such a nodejs)
if ! command -v npm >/dev/null 2>&1; then
  log "installing npm"
  $SUDO apt-get install -y -qq --no-install-recommends npm >/dev/null
fi

# 3. rsyslog source of exactly the installed version (or the newest served
#    Debian revision of the same upstream version: ABI-identical).
inst=$(dpkg-query -W -f='${Version}' rsyslog)
upstream=${inst%%-*}
mkdir -p "$SDK_DIR"
if [ -f "$SDK_DIR/rsyslog-sdk/.mmap-version" ] && \
   [ "$(cat "$SDK_DIR/rsyslog-sdk/.mmap-version")" = "$inst" ]; then
  log "rsyslog source for $inst already in $SDK_DIR/rsyslog-sdk"
else
  rm -rf "$SDK_DIR/src-dl" && mkdir -p "$SDK_DIR/src-dl"
  chmod 755 "$SDK_DIR/src-dl"
  cands=$(apt-cache showsrc rsyslog 2>/dev/null | awk '/^Version:/{print $2}' | sort -u)
  # the exact version first, then the other revisions of the same upstream
  # version, newest first; never another upstream version
  order=$( { echo "$cands" | grep -xF "$inst" || true
             for v in $cands; do
               if [ "${v%%-*}" = "$upstream" ] && [ "$v" != "$inst" ]; then echo "$v"; fi
             done | sort -rV; } )
  got=""
  for v in $order; do
    if (cd "$SDK_DIR/src-dl" && apt-get source -qq --download-only "rsyslog=$v" >/dev/null 2>&1) \
       && ls "$SDK_DIR/src-dl"/rsyslog_*.dsc >/dev/null 2>&1; then
      got=$v; break
    fi
    log "rsyslog source $v is listed but not served"
    rm -f "$SDK_DIR/src-dl"/*
  done
  if [ -z "$got" ]; then
    log "ERROR: no rsyslog source of upstream version $upstream could be fetched (installed: $inst)"
    log "       build rsyslog yourself and use ./configure --with-rsyslog-sdk=DIR"
    exit 1
  fi
  [ "$got" = "$inst" ] || log "source of $inst is not served; using $got (same upstream version $upstream)"
  # apt verified the files against the signed Sources index; dpkg-source
  # only lacks the uploader's key for the inline signature
  (cd "$SDK_DIR/src-dl" && dpkg-source -x rsyslog_*.dsc rsyslog-sdk >/dev/null 2>&1)
  rm -rf "$SDK_DIR/rsyslog-sdk"
  mv "$SDK_DIR/src-dl/rsyslog-sdk" "$SDK_DIR/rsyslog-sdk"
  echo "$inst" > "$SDK_DIR/rsyslog-sdk/.mmap-version"
  echo "$got" > "$SDK_DIR/rsyslog-sdk/.mmap-source-version"
  rm -rf "$SDK_DIR/src-dl"
  log "rsyslog source $got unpacked in $SDK_DIR/rsyslog-sdk (installed rsyslogd: $inst)"
fi
