#!/bin/sh
# Fuzzes the ONNX loader for DURATION_SECONDS (default 45) with libFuzzer,
# AddressSanitizer and UndefinedBehaviorSanitizer. Offline; exits non-zero on
# any finding, leaving the input that caused it in the build folder.
#
#   tests/fuzz/run-fuzz.sh 45
#
# BUILD_DIR overrides the build folder (default: build-fuzz in the source tree).
set -eu

duration=${1:-45}
case $duration in
  ''|*[!0-9]*) echo "usage: $0 [DURATION_SECONDS]" >&2; exit 2 ;;
esac

src=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD_DIR:-$src/build-fuzz}
testdata=/usr/share/libonnx-testdata/data/node

if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" "$src" \
    -Dfuzzing=true -Db_lundef=false -Db_sanitize=address,undefined \
    -Dbuildtype=debugoptimized
fi
ninja -C "$build" tests/fuzz/fuzz-onnx-loader tests/fuzz/make-seed-corpus

out=$build/tests/fuzz
seeds=$out/seeds
corpus=$out/corpus
rm -rf "$seeds"
mkdir -p "$seeds" "$corpus"

"$out/make-seed-corpus" "$seeds"

# The conformance suite's small models, when installed: real exporters' output.
if [ -d "$testdata" ]; then
  for model in "$testdata"/*/model.onnx; do
    if [ "$(wc -c < "$model")" -le 4096 ]; then
      cp "$model" "$seeds/$(basename "$(dirname "$model")").onnx"
    fi
  done
fi
echo "seed corpus: $(ls "$seeds" | wc -l) models"

# The corpus folder comes first: new finds go there and carry over to the
# next run. A crash, leak, timeout or sanitizer report ends the run non-zero.
if ! "$out/fuzz-onnx-loader" \
  -max_total_time="$duration" \
  -timeout=10 \
  -rss_limit_mb=2048 \
  -max_len=8192 \
  -print_final_stats=1 \
  -artifact_prefix="$out/" \
  "$corpus" "$seeds"
then
  echo "fuzzing found a problem: the input that shows it is in $out/ (crash-*, leak-*, oom-*, timeout-*)" >&2
  exit 1
fi
