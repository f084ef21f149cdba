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
    meson test -C build --print-errorlogs --num-processes 2
    ;;
esac
