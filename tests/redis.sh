# redis.sh - a private redis-server for the cluster tests (sourced).
#
# redis_start NAME [ARGS...]: a redis-server of its own on a free loopback
# port, in a directory of its own, without persistence (--save ''), with
# DEBUG enabled (DEBUG SLEEP makes a slow server); sets REDIS_PORT,
# REDIS_PID, REDIS_DIR, REDIS_ADDR (127.0.0.1:port).  Extra arguments go
# to redis-server (e.g. --requirepass x).  Starting again after
# redis_stop/redis_kill reuses the port and directory.
# redis_stop: SIGTERM to our server only, by its pid, and wait.
# redis_kill: SIGKILL (a crash).  redis_pause / redis_resume: SIGSTOP/CONT.
# redis_cli ARGS...: redis-cli against it.
# redis_have: 0 when redis-server and redis-cli are installed.
# SPDX-License-Identifier: Apache-2.0

redis_have() {
  command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1
}

redis_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

redis_start() {
  local name=$1; shift
  if [ -z "${REDIS_DIR:-}" ]; then
    REDIS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mmap-redis-$name.XXXXXX")
    REDIS_PORT=$(redis_free_port)
    REDIS_ARGS=("$@")
  fi
  REDIS_ADDR=127.0.0.1:$REDIS_PORT
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$REDIS_DIR" --save '' \
    --appendonly no --enable-debug-command local --logfile "$REDIS_DIR/redis.log" \
    "${REDIS_ARGS[@]}" &
  REDIS_PID=$!
  local i=0
  while ! redis-cli -p "$REDIS_PORT" "${REDIS_AUTH[@]}" ping 2>/dev/null | grep -q PONG; do
    i=$((i + 1))
    if [ $i -gt 100 ] || ! kill -0 "$REDIS_PID" 2>/dev/null; then
      echo "redis-server did not start:"; tail -5 "$REDIS_DIR/redis.log"; return 1
    fi
    sleep 0.05
  done
}

redis_cli() { redis-cli -p "$REDIS_PORT" "${REDIS_AUTH[@]}" "$@"; }

redis_wait_gone() {
  local i=0
  while kill -0 "$REDIS_PID" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 200 ] && { kill -KILL "$REDIS_PID" 2>/dev/null; break; }
    sleep 0.05
  done
  wait "$REDIS_PID" 2>/dev/null
  REDIS_PID=""
}

redis_stop() {
  [ -n "${REDIS_PID:-}" ] || return 0
  kill -CONT "$REDIS_PID" 2>/dev/null
  kill -TERM "$REDIS_PID" 2>/dev/null
  redis_wait_gone
}

redis_kill() {
  [ -n "${REDIS_PID:-}" ] || return 0
  kill -KILL "$REDIS_PID" 2>/dev/null
  redis_wait_gone
}

redis_pause() { kill -STOP "$REDIS_PID"; }
redis_resume() { kill -CONT "$REDIS_PID"; }

# redis_cleanup: stop it and remove its directory
redis_cleanup() {
  redis_stop
  [ -n "${REDIS_DIR:-}" ] && rm -rf "$REDIS_DIR"
  REDIS_DIR=""
}

REDIS_AUTH=()
