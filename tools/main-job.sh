#!/usr/bin/env bash
# The main job: install the default style pack (real fast-style-transfer
# checkpoints, checked against their pinned SHA-256) and style a real photo
# with its Udnie.
#   tools/main-job.sh DATA_DIR
# DATA_DIR is the shared test data (styles/ml5, images/). The pack's
# checkpoints come from DATA_DIR/styles/ml5 when it is there, and are
# downloaded at the pinned commit otherwise (tools/fetch-style-pack.sh). The
# styles go to build/styles (installed once), the result to
# build/main-job/styled.png. Expects a built tree (ninja -C build).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

if [ $# -ne 1 ]; then
  echo "usage: tools/main-job.sh DATA_DIR" >&2
  exit 2
fi
data="$1"
photo="$data/images/content_chicago.png"
build="${CELSHADE_BUILD_DIR:-$root/build}"  # another build tree, for developers
import="$build/src/cli/celshade-import"
render="$build/src/cli/celshade-render"
style="$build/styles/udnie"
out_dir="$build/main-job"
output="$out_dir/styled.png"
degree=0.8

if [ ! -d "$data" ]; then
  echo "main-job: the data folder '$data' does not exist; give the shared test data folder" >&2
  echo "          (the one holding styles/ml5 and images), e.g. ../shared/data" >&2
  exit 1
fi
if [ ! -e "$photo" ]; then
  echo "main-job: '$photo' is missing from the data folder '$data'" >&2
  exit 1
fi
for tool in "$import" "$render"; do
  if [ ! -x "$tool" ]; then
    echo "main-job: '$tool' is not built; run 'ninja -C build' first" >&2
    exit 1
  fi
done

# Seconds since the epoch with fractions, for timings.
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# Earlier versions of this job imported udnie alone, outside the pack; that
# build artifact is replaced by the pack's own.
if [ -d "$style" ] && [ ! -e "$style/.pack-digest" ]; then
  echo "main-job: replacing $style, imported outside the style pack"
  rm -rf -- "$style"
fi
echo "main-job: installing the style pack into $build/styles"
t0=$(now)
CELSHADE_TEST_DATA="$data" "$root/tools/fetch-style-pack.sh" --build "$build" --dest "$build/styles"
echo "main-job: style pack ready in $(elapsed "$t0" "$(now)") s"

mkdir -p "$out_dir"
size() { "${PYTHON:-/usr/bin/python3}" - "$1" <<'PY' 2>/dev/null || file -b "$1"
import struct, sys
with open(sys.argv[1], "rb") as f:
    head = f.read(24)
if head[:8] == b"\x89PNG\r\n\x1a\n":
    w, h = struct.unpack(">II", head[16:24])
    print("%dx%d" % (w, h))
else:
    sys.exit(1)
PY
}

echo "main-job: styling $photo ($(size "$photo")) at degree $degree"
t0=$(now)
"$render" "$photo" -o "$output" --style "$style" --degree "$degree"
echo "main-job: wrote $output ($(size "$output"), $(stat -c %s "$output") bytes) in $(elapsed "$t0" "$(now)") s"
