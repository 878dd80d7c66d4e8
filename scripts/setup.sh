#!/usr/bin/env bash
# mmauthparse: install every build and test dependency on Debian bookworm and
# fetch the rsyslog source matching the installed rsyslogd (rsyslog ships no
# headers). Safe to run twice. Needs root (or sudo).
#
#   scripts/setup.sh            the bookworm machine
#   scripts/setup.sh --trixie   also a Debian 13 (trixie) chroot, made with
#                               mmdebstrap under /var/cache/mmauthparse-ci/
#                               (MMAP_TRIXIE_DIR), with trixie's rsyslog and
#                               build tools, and trixie's rsyslog source in
#                               rsyslog-sdk-trixie: tests/run then
#                               builds, installs and tests the module there
#                               (tests/package/t_trixie.sh)
# SPDX-License-Identifier: Apache-2.0
set -euo pipefail

TRIXIE=0
for arg in "$@"; do
  case "$arg" in
    --trixie) TRIXIE=1 ;;
    *) echo "usage: $0 [--trixie]" >&2; exit 2 ;;
  esac
done

here=$(cd "$(dirname "$0")/.." && pwd)
SDK_DIR=$(sh "$here/scripts/sdk-dir.sh")
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

log() { printf 'setup: %s\n' "$*" >&2; }

PKGS=(build-essential autoconf automake libtool pkg-config
      rsyslog libestr-dev libfastjson-dev libmaxminddb-dev mmdb-bin
      libmaxmind-db-writer-perl libnet-works-perl valgrind
      clang clang-tools libclang-rt-14-dev llvm
      dpkg-dev python3 fail2ban gzip ca-certificates rsyslog-elasticsearch logrotate
      debhelper lintian python3-docutils zlib1g-dev chromium chromium-driver
      mmdebstrap libhiredis-dev redis-server)

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

# 4. --trixie: a Debian 13 chroot and trixie's rsyslog source
[ "$TRIXIE" -eq 1 ] || exit 0
TRIXIE_DIR=${MMAP_TRIXIE_DIR:-/var/cache/mmauthparse-ci/trixie}
TRIXIE_PKGS="build-essential,autoconf,automake,libtool,pkg-config,rsyslog,libestr-dev"
TRIXIE_PKGS="$TRIXIE_PKGS,libfastjson-dev,libmaxminddb-dev,zlib1g-dev,python3,debhelper,dpkg-dev"
TRIXIE_PKGS="$TRIXIE_PKGS,lintian,fail2ban,logrotate,libmaxmind-db-writer-perl,libnet-works-perl"
TRIXIE_PKGS="$TRIXIE_PKGS,mmdb-bin,rsyslog-elasticsearch,ca-certificates,procps,gzip"
TRIXIE_PKGS="$TRIXIE_PKGS,libhiredis-dev,redis-server"
if [ -f "$TRIXIE_DIR/.mmap-packages" ] && [ "$(cat "$TRIXIE_DIR/.mmap-packages")" = "$TRIXIE_PKGS" ]; then
  log "trixie chroot in $TRIXIE_DIR already made"
else
  log "making the trixie chroot in $TRIXIE_DIR (mmdebstrap)"
  t0=$(date +%s)
  $SUDO rm -rf "$TRIXIE_DIR" "$TRIXIE_DIR.tmp"
  $SUDO mkdir -p "$(dirname "$TRIXIE_DIR")"
  $SUDO mmdebstrap --quiet --variant=apt --include="$TRIXIE_PKGS" trixie "$TRIXIE_DIR.tmp" \
    "deb http://deb.debian.org/debian trixie main" \
    "deb-src http://deb.debian.org/debian trixie main" >&2
  echo "$TRIXIE_PKGS" | $SUDO tee "$TRIXIE_DIR.tmp/.mmap-packages" >/dev/null
  $SUDO mv "$TRIXIE_DIR.tmp" "$TRIXIE_DIR"
  log "trixie chroot made in $(( $(date +%s) - t0 )) s"
fi
tinst=$($SUDO chroot "$TRIXIE_DIR" dpkg-query -W -f='${Version}' rsyslog)
TSDK=$SDK_DIR/rsyslog-sdk-trixie
if [ -f "$TSDK/.mmap-version" ] && [ "$(cat "$TSDK/.mmap-version")" = "$tinst" ]; then
  log "trixie's rsyslog source for $tinst already in $TSDK"
else
  # apt inside the chroot fetches it (its sources have the deb-src line);
  # exactly the chroot's version, as for bookworm
  # (mmdebstrap leaves no package lists; the chroot resolves names as the
  # machine does)
  $SUDO cp /etc/resolv.conf "$TRIXIE_DIR/etc/resolv.conf"
  $SUDO chroot "$TRIXIE_DIR" sh -c "apt-get update -qq >/dev/null 2>&1; rm -rf /tmp/sdk \
    && mkdir /tmp/sdk && cd /tmp/sdk \
    && apt-get source -qq --download-only rsyslog=$tinst >/dev/null 2>&1 \
    && dpkg-source -x rsyslog_*.dsc rsyslog-sdk >/dev/null 2>&1" \
    || { log "ERROR: trixie's rsyslog source $tinst could not be fetched"; exit 1; }
  rm -rf "$TSDK"
  cp -a "$TRIXIE_DIR/tmp/sdk/rsyslog-sdk" "$TSDK"
  $SUDO rm -rf "$TRIXIE_DIR/tmp/sdk"
  echo "$tinst" > "$TSDK/.mmap-version"
  echo "$tinst" > "$TSDK/.mmap-source-version"
  log "trixie's rsyslog source $tinst unpacked in $TSDK"
fi
