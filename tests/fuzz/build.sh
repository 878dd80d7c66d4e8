#!/usr/bin/env bash
# build.sh - sourced by run.sh and replay.sh: fuzz_build builds the libFuzzer
# targets with clang (AddressSanitizer + UndefinedBehaviorSanitizer) into
# $FUZZ_BUILD (default <top>/build-fuzz), and mkstate (the seed state file
# writer) without sanitizers.  The core and the tool are compiled once into
# an archive; nothing is rebuilt while no source is newer than the stamp.
#
#   fuzz_build        0 when the binaries are there, 1 with the log printed
#
# Targets: fuzz_parse (the core: every recogniser, JSON, redaction),
# fuzz_cli (the command-line tool's parse path), fuzz_state (the detection
# state-file loader), fuzz_event (input="event": an edge's JSON event read
# back, detection on it, its alerts written in).
#
# SPDX-License-Identifier: Apache-2.0

FUZZ_TOP=${FUZZ_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
FB=${FUZZ_BUILD:-$FUZZ_TOP/build-fuzz}
FUZZ_CC=${CLANG:-clang}
FUZZ_TARGETS_ALL="parse cli state event"

fuzz_build() {
  local top=$FUZZ_TOP
  command -v "$FUZZ_CC" >/dev/null || { echo "FAIL fuzz: clang not installed"; return 1; }
  mkdir -p "$FB/obj"
  local srcs newest
  srcs=$(find "$top/core" "$top/tools" "$top/tests/fuzz" "$top/tests/testctx.h" \
    \( -name '*.[ch]' -o -name build.sh \) -newer "$FB/stamp" 2>/dev/null | head -1)
  if [ -f "$FB/stamp" ] && [ -z "$srcs" ] && [ -x "$FB/fuzz_parse" ] && [ -x "$FB/fuzz_cli" ] \
    && [ -x "$FB/fuzz_state" ] && [ -x "$FB/fuzz_event" ] && [ -x "$FB/mkstate" ]; then
    return 0
  fi
  local san=(-fsanitize=address,undefined -fno-sanitize-recover=undefined)
  # AP_ABORT_ON_BAD_LENGTH: a span found ending before it starts stops the
  # run (core/text.h) instead of reading nothing
  local common=(-g -O1 -std=gnu11 '-DPACKAGE_VERSION="fuzz"' -DAP_ABORT_ON_BAD_LENGTH -I"$top/core" -I"$top" -I"$top/tools")
  # shellcheck disable=SC2207
  common+=($(pkg-config --cflags libfastjson))
  # shellcheck disable=SC2207
  local libs=($(pkg-config --libs libfastjson) -lmaxminddb -lz -lm -lpthread)
  : > "$FB/build.log"
  rm -f "$FB/stamp" "$FB"/obj/*.o
  # the core and the tool's sources (not its main file), instrumented, in
  # parallel
  local f o p fail=0 n pids=()
  n=$(nproc)
  for f in $(find "$top/core" "$top/tools" -name '*.c' ! -path "$top/tools/mmauthparse.c" | sort); do
    o=$FB/obj/$(echo "${f#"$top"/}" | sed 's|/|_|g; s|\.c$|.o|')
    "$FUZZ_CC" "${common[@]}" -fsanitize=fuzzer-no-link "${san[@]}" -c "$f" -o "$o" >> "$FB/build.log" 2>&1 &
    pids+=($!)
    if [ ${#pids[@]} -ge "$n" ]; then
      for p in "${pids[@]}"; do wait "$p" || fail=1; done
      pids=()
    fi
  done
  for p in "${pids[@]}"; do wait "$p" || fail=1; done
  [ $fail = 0 ] || { echo "FAIL fuzz: build (core)"; tail -20 "$FB/build.log"; return 1; }
  local core_objs=("$FB"/obj/core_*.o) tool_objs=("$FB"/obj/tools_*.o) t
  for t in parse state event; do
    "$FUZZ_CC" "${common[@]}" -fsanitize=fuzzer "${san[@]}" "$top/tests/fuzz/fuzz_$t.c" \
      "${core_objs[@]}" -o "$FB/fuzz_$t" "${libs[@]}" >> "$FB/build.log" 2>&1 \
      || { echo "FAIL fuzz: build (fuzz_$t)"; tail -20 "$FB/build.log"; return 1; }
  done
  "$FUZZ_CC" "${common[@]}" -fsanitize=fuzzer "${san[@]}" "$top/tests/fuzz/fuzz_cli.c" \
    "${core_objs[@]}" "${tool_objs[@]}" -o "$FB/fuzz_cli" "${libs[@]}" >> "$FB/build.log" 2>&1 \
    || { echo "FAIL fuzz: build (fuzz_cli)"; tail -20 "$FB/build.log"; return 1; }
  # shellcheck disable=SC2046
  "$FUZZ_CC" -O1 -std=gnu11 '-DPACKAGE_VERSION="fuzz"' -I"$top/core" -I"$top" \
    $(pkg-config --cflags libfastjson) "$top/tests/fuzz/mkstate.c" \
    $(find "$top/core" -name '*.c' | sort) -o "$FB/mkstate" "${libs[@]}" >> "$FB/build.log" 2>&1 \
    || { echo "FAIL fuzz: build (mkstate)"; tail -20 "$FB/build.log"; return 1; }
  touch "$FB/stamp"
}
