#!/bin/sh
exec ${top_builddir:-.}/tests/unit/detect_test
