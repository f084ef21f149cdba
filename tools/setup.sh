#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds Celshade and runs it.
#   tools/setup.sh run    install, build, and style a real photo (the main job)
#   tools/setup.sh test   install, build, and run the whole test suite
# Idempotent and non-interactive; the build goes to ./build.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
mode="${1:-run}"

case "$mode" in
  run) tools/install-deps.sh ;;
  test) tools/install-deps.sh --test ;;
  *) echo "usage: tools/setup.sh run|test" >&2; exit 2 ;;
esac

if [ ! -f build/build.ninja ]; then
  meson setup build --buildtype=debugoptimized
fi
ninja -C build

data="${CELSHADE_TEST_DATA:-$root/../shared/data}"
case "$mode" in
  run)
    tools/main-job.sh "$data"
    ;;
  test)
    status=0
    meson test -C build --print-errorlogs --num-processes 2 || status=$?
    # The ONNX loader's fuzzer, for a bounded time, with sanitizers. Its
    # progress goes to a log, so that the summary below ends the output.
    fuzz=0
    fuzzlog=build/meson-logs/fuzz.log
    tests/fuzz/run-fuzz.sh "${CELSHADE_FUZZ_SECONDS:-45}" > "$fuzzlog" 2>&1 || fuzz=$?
    if [ "$fuzz" = 0 ]; then
      grep -E '^(seed corpus|Done|stat::)' "$fuzzlog" || true
    else
      echo "fuzzing failed; the end of $fuzzlog:"
      tail -n 60 "$fuzzlog"
    fi
    log=build/meson-logs/testlog.json
    # Each test that did not pass, by name, with the end of what it printed.
    python3 - "$log" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    test = json.loads(line)
    if test.get("result") in ("FAIL", "TIMEOUT", "ERROR"):
        print(f"--- {test['name']}: {test['result']}")
        print("\n".join((test.get("stdout") or "").splitlines()[-40:]))
PY
    passed=$(grep -c '"result": "OK"' "$log" || true)
    failed=$(grep -c '"result": "\(FAIL\|TIMEOUT\|ERROR\)"' "$log" || true)
    skipped=$(grep -c '"result": "SKIP"' "$log" || true)
    if [ "$fuzz" = 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
    echo "tests: $passed passed, $failed failed, $skipped skipped"
    if [ "$status" != 0 ] || [ "$fuzz" != 0 ]; then
      exit 1
    fi
    ;;
esac
