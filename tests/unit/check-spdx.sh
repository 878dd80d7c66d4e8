#!/usr/bin/env bash
# check-spdx.sh [TOP]: every source file the repository tracks (C, shell,
# Python, Perl, the build files) names its licence with an SPDX line.
# SPDX-License-Identifier: Apache-2.0
set -u
top=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$top" || exit 1
missing=0 n=0
while IFS= read -r f; do
  n=$((n + 1))
  if ! grep -q 'SPDX-License-Identifier: Apache-2.0' "$f"; then
    echo "FAIL spdx: $f has no SPDX-License-Identifier line"
    missing=$((missing + 1))
  fi
done < <(git ls-files '*.c' '*.h' '*.sh' '*.py' '*.pl' 'tests/run' '.ci/run' 'Makefile.am' 'configure.ac')
[ "$missing" -eq 0 ] && echo "PASS spdx: $n source files name their licence"
[ "$missing" -eq 0 ]
