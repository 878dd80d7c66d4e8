#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
exec ${top_builddir:-.}/tests/unit/detect_test
