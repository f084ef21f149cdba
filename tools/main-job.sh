#!/usr/bin/env bash
# The main job: import a real fast-style-transfer checkpoint as a style and
# style a real photo with it.
#   tools/main-job.sh DATA_DIR
# DATA_DIR is the shared test data (styles/ml5/udnie, images/). The style goes
# to build/styles/udnie (imported once), the result to
# build/main-job/styled.png. Expects a built tree (ninja -C build).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

if [ $# -ne 1 ]; then
  echo "usage: tools/main-job.sh DATA_DIR" >&2
  exit 2
fi
data="$1"
checkpoint="$data/styles/ml5/udnie"
photo="$data/images/content_chicago.png"
build="$root/build"
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
for need in "$checkpoint/manifest.json" "$photo"; do
  if [ ! -e "$need" ]; then
    echo "main-job: '$need' is missing from the data folder '$data'" >&2
    exit 1
  fi
done
for tool in "$import" "$render"; do
  if [ ! -x "$tool" ]; then
    echo "main-job: '$tool' is not built; run 'ninja -C build' first" >&2
    exit 1
  fi
done

# Seconds since the epoch with fractions, for timings.
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

if [ -f "$style/style.json" ]; then
  echo "main-job: style already imported: $style"
else
  echo "main-job: importing $checkpoint"
  t0=$(now)
  "$import" fast-style-transfer "$checkpoint" "$style" \
    --name "Udnie" --licence "MIT (ml5-data-and-models)" \
    --source "ml5-data-and-models fast-style-transfer checkpoint 'udnie'"
  echo "main-job: imported into $style in $(elapsed "$t0" "$(now)") s"
fi

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
