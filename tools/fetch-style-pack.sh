#!/usr/bin/env bash
# Installs the default style pack (the seven fast-style-transfer styles that
# data/style-pack.json pins) with celshade-import --style-pack.
#   tools/fetch-style-pack.sh [--dest STYLES_DIR] [--build BUILD_DIR]
# The checkpoints come from the shared test data when it is there
# ($CELSHADE_TEST_DATA/styles/ml5, else ../shared/data/styles/ml5), and are
# otherwise downloaded once, at the pinned commit, into
# ${XDG_CACHE_HOME:-~/.cache}/celshade/style-pack. celshade-import checks
# every file's SHA-256 before it installs anything. Styles go to
# BUILD_DIR/styles by default (BUILD_DIR: ./build); idempotent.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
manifest="$root/data/style-pack.json"
build="$root/build"
dest=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dest) dest="$2"; shift 2 ;;
    --build) build="$2"; shift 2 ;;
    *) echo "usage: tools/fetch-style-pack.sh [--dest STYLES_DIR] [--build BUILD_DIR]" >&2; exit 2 ;;
  esac
done
dest="${dest:-$build/styles}"
import="$build/src/cli/celshade-import"
py=/usr/bin/python3
if [ ! -x "$py" ]; then py=python3; fi

if [ ! -x "$import" ]; then
  echo "fetch-style-pack: '$import' is not built; run 'ninja -C $build' first" >&2
  exit 1
fi

# One line per file: style id, file name, URL, SHA-256.
files() {
  "$py" - "$manifest" <<'PY'
import json, sys
pack = json.load(open(sys.argv[1], encoding="utf-8"))
for style in pack["styles"]:
    for f in style["files"]:
        print(style["id"], f["path"], f["url"], f["sha256"])
PY
}

data="${CELSHADE_TEST_DATA:-$root/../shared/data}"
source_dir=""
if [ -d "$data/styles/ml5" ]; then
  source_dir="$data/styles/ml5"
  echo "fetch-style-pack: using the checkpoints in $source_dir"
else
  commit="$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["commit"])' "$manifest")"
  source_dir="${XDG_CACHE_HOME:-$HOME/.cache}/celshade/style-pack/$commit"
  if command -v curl >/dev/null 2>&1; then
    get() { curl -fsSL --retry 3 -o "$2" "$1"; }
  elif command -v wget >/dev/null 2>&1; then
    get() { wget -q -O "$2" "$1"; }
  else
    echo "fetch-style-pack: neither curl nor wget is installed; run tools/install-deps.sh" >&2
    exit 1
  fi
  echo "fetch-style-pack: downloading the pinned checkpoints into $source_dir"
  n=0
  mapfile -t entries < <(files)
  for entry in "${entries[@]}"; do
    read -r id name url sum <<<"$entry"
    target="$source_dir/$id/$name"
    if [ -f "$target" ] && echo "$sum  $target" | sha256sum --quiet -c - >/dev/null 2>&1; then
      continue
    fi
    mkdir -p "$source_dir/$id"
    # Into a temporary name first: an interrupted download is never taken
    # for a complete file.
    if ! get "$url" "$target.part"; then
      rm -f "$target.part"
      echo "fetch-style-pack: could not download $url" >&2
      exit 1
    fi
    mv -f "$target.part" "$target"
    n=$((n + 1))
  done
  echo "fetch-style-pack: downloaded $n files"
fi

"$import" --style-pack "$source_dir" --manifest "$manifest" --dest "$dest"
