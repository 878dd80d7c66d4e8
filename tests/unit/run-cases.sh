#!/bin/sh
# table-driven recogniser cases
# SPDX-License-Identifier: Apache-2.0
exec ${top_builddir:-.}/tests/unit/cases ${top_srcdir:-.}/tests/cases/*.cases
