#!/usr/bin/env bash
# run-cluster.sh: the cluster tier's unit tests against a private
# redis-server (tests/redis.sh), or only the checks that need none when
# redis-server is not installed.
# SPDX-License-Identifier: Apache-2.0
top=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${top_builddir:-.}/tests/unit/cluster_test
. "$top/tests/redis.sh"
if ! redis_have; then
  echo "cluster: redis-server not installed (scripts/setup.sh): only the checks without it"
  exec "$bin"
fi
trap redis_cleanup EXIT
redis_start unit || { echo "FAIL cluster: redis-server did not start"; exit 1; }
MMAP_TEST_REDIS=$REDIS_ADDR "$bin"
