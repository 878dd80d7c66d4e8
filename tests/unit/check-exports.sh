#!/bin/sh
# the module must export modInit and nothing else
# SPDX-License-Identifier: Apache-2.0
so=${top_builddir:-.}/.libs/mmauthparse.so
[ -f "$so" ] || { echo "FAIL exports: $so not built"; exit 1; }
syms=$(nm -D --defined-only "$so" | awk '{print $3}' | sort | tr '\n' ' ')
if [ "$syms" = "modInit " ]; then
  echo "PASS exports: modInit only"
else
  echo "FAIL exports: $so exports: $syms"
  exit 1
fi
