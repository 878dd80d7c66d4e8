#!/bin/sh
# sdk-dir.sh - prints where scripts/setup.sh keeps the rsyslog source trees
# (rsyslog-sdk, rsyslog-sdk-trixie): outside the project tree, so that no
# scan of the project sees rsyslog's own files.  $MMAP_SDK_DIR, else the
# user's cache directory.  configure, debian/rules and the package tests
# take their default from here.
# SPDX-License-Identifier: Apache-2.0
if [ -n "${MMAP_SDK_DIR:-}" ]; then
  echo "$MMAP_SDK_DIR"
else
  echo "${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/mmauthparse"
fi
