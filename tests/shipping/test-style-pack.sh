#!/usr/bin/env bash
# celshade-import --style-pack as a user runs it: a damaged copy of the pack
# is refused naming the file, and nothing is installed; the real pack from
# the shared test data installs all its styles with the manifest's names,
# authors and licence; installing again skips them all.
#   test-style-pack.sh CELSHADE_IMPORT SOURCE_ROOT
set -euo pipefail
import="$1"
root="$2"
manifest="$root/data/style-pack.json"
data="${CELSHADE_TEST_DATA:-$root/../shared/data}"
pack="$data/styles/ml5"
py=/usr/bin/python3

if [ ! -d "$pack" ]; then
  echo "1..0 # SKIP shared test data not found at $pack; set CELSHADE_TEST_DATA"
  exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf -- "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; echo "1..$n"; exit 1; }

# A copy of the pack made of links to the real files, except one file of
# udnie that is a damaged copy of the same size.
mkdir -p "$tmp/bad"
for style in "$pack"/*/; do
  id="$(basename "$style")"
  mkdir -p "$tmp/bad/$id"
  for f in "$style"*; do ln -s "$f" "$tmp/bad/$id/"; done
done
rm "$tmp/bad/udnie/Variable_7"
cp "$pack/udnie/Variable_7" "$tmp/bad/udnie/Variable_7"
chmod u+w "$tmp/bad/udnie/Variable_7"
printf '\x42\x42\x42\x42' | dd of="$tmp/bad/udnie/Variable_7" bs=1 seek=64 conv=notrunc status=none

status=0
"$import" --style-pack "$tmp/bad" --manifest "$manifest" --dest "$tmp/styles" >"$tmp/out" 2>&1 || status=$?
cat "$tmp/out" | sed 's/^/# /'
[ "$status" != 0 ] || not_ok "a damaged pack is refused"
grep -q "udnie/Variable_7: SHA-256" "$tmp/out" || not_ok "the refusal names the damaged file"
ok "a damaged pack is refused, naming udnie/Variable_7"
if [ -e "$tmp/styles" ] && [ -n "$(ls -A "$tmp/styles")" ]; then
  not_ok "nothing is installed from a damaged pack"
fi
ok "nothing is installed from a damaged pack"

rm "$tmp/bad/wave/Variable_40"
status=0
"$import" --style-pack "$tmp/bad" --manifest "$manifest" --dest "$tmp/styles" >"$tmp/out" 2>&1 || status=$?
[ "$status" != 0 ] && grep -q "wave/Variable_40: missing" "$tmp/out" && grep -q "udnie/Variable_7" "$tmp/out" \
  || not_ok "a missing file is named with the damaged one"
ok "a missing file is named with the damaged one"

# The real pack.
"$import" --style-pack "$pack" --manifest "$manifest" --dest "$tmp/styles" >"$tmp/out" 2>&1 \
  || { sed 's/^/# /' "$tmp/out"; not_ok "the real pack installs"; }
sed 's/^/# /' "$tmp/out"
grep -q "7 styles installed and 0 already there" "$tmp/out" || not_ok "all 7 styles are installed"
ok "the real pack installs its 7 styles"

"$py" - "$manifest" "$tmp/styles" <<'PY' || not_ok "each style.json carries the manifest's metadata"
import json, os, sys
pack = json.load(open(sys.argv[1], encoding="utf-8"))
dest = sys.argv[2]
visible = sorted(n for n in os.listdir(dest) if not n.startswith("."))
ids = sorted(s["id"] for s in pack["styles"])
assert visible == ids, "installed %s, expected %s" % (visible, ids)
assert not [n for n in os.listdir(dest) if n.startswith(".pack-")], "a temporary folder is left"
for s in pack["styles"]:
    folder = os.path.join(dest, s["id"])
    style = json.load(open(os.path.join(folder, "style.json"), encoding="utf-8"))
    for key in ("id", "name", "authors", "licence", "source"):
        assert style[key] == s[key], "%s: %s is %r, not %r" % (s["id"], key, style[key], s[key])
    for f in ("model.onnx", "thumbnail.png"):
        assert os.path.getsize(os.path.join(folder, f)) > 0, "%s/%s is empty" % (s["id"], f)
print("# every style.json has the manifest's id, name, authors, licence and source")
PY
ok "each style.json carries the manifest's metadata"

stamp="$(stat -c %Y "$tmp/styles/udnie/model.onnx")"
"$import" --style-pack "$pack" --manifest "$manifest" --dest "$tmp/styles" >"$tmp/out" 2>&1 \
  || not_ok "installing again succeeds"
grep -q "0 styles installed and 7 already there" "$tmp/out" || not_ok "installing again skips every style"
[ "$(stat -c %Y "$tmp/styles/udnie/model.onnx")" = "$stamp" ] || not_ok "installing again leaves the styles alone"
ok "installing again skips every style"

echo "1..$n"
