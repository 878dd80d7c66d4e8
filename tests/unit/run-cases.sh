#!/bin/sh
# table-driven recogniser cases
exec ${top_builddir:-.}/tests/unit/cases ${top_srcdir:-.}/tests/cases/*.cases
