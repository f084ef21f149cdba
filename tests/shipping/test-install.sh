#!/usr/bin/env bash
# `meson install` into a temporary folder: the installed celshade-render
# runs, and the desktop file, metainfo, schema, MIME type, icons, style pack
# manifest and translations are where the desktop looks for them.
#   test-install.sh BUILD_DIR
set -euo pipefail
build="$1"
tmp="$(mktemp -d)"
trap 'rm -rf -- "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; echo "1..$n"; exit 1; }

meson install -C "$build" --no-rebuild --destdir "$tmp" >"$tmp/install.log" 2>&1 \
  || { sed 's/^/# /' "$tmp/install.log"; not_ok "meson install"; }
ok "meson install --destdir"

prefix="$(meson introspect "$build" --buildoptions | /usr/bin/python3 -c '
import json, sys
opts = {o["name"]: o["value"] for o in json.load(sys.stdin)}
print(opts["prefix"], opts["bindir"], opts["datadir"], opts["localedir"])')"
read -r prefix bindir datadir localedir <<<"$prefix"
case "$bindir" in /*) ;; *) bindir="$prefix/$bindir" ;; esac
case "$datadir" in /*) ;; *) datadir="$prefix/$datadir" ;; esac
case "$localedir" in /*) ;; *) localedir="$prefix/$localedir" ;; esac
bin="$tmp$bindir"
share="$tmp$datadir"

version="$(env -u LD_LIBRARY_PATH "$bin/celshade-render" --version)" || not_ok "the installed celshade-render runs"
echo "# $version"
[ "$version" = "celshade-render $(meson introspect "$build" --projectinfo | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')" ] \
  || not_ok "celshade-render --version prints the project's version"
ok "the installed celshade-render --version runs"
"$bin/celshade-import" --version >/dev/null || not_ok "the installed celshade-import runs"
ok "the installed celshade-import runs"

app=io.github.celshade.Celshade
for f in \
  "applications/$app.desktop" \
  "metainfo/$app.metainfo.xml" \
  "glib-2.0/schemas/$app.gschema.xml" \
  "mime/packages/$app.mime.xml" \
  "icons/hicolor/scalable/apps/$app.svg" \
  "icons/hicolor/symbolic/apps/$app-symbolic.svg" \
  "celshade/style-pack.json"; do
  [ -s "$share/$f" ] || not_ok "$f is installed"
  ok "$f is installed"
done
for lang in $(grep -v '^#' "$(dirname "$0")/../../po/LINGUAS"); do
  [ -s "$tmp$localedir/$lang/LC_MESSAGES/celshade.mo" ] || not_ok "the $lang catalogue is installed"
  ok "the $lang catalogue is installed"
done

desktop-file-validate "$share/applications/$app.desktop" || not_ok "the installed desktop file is valid"
grep -q '^Exec=celshade %U$' "$share/applications/$app.desktop" || not_ok "the desktop file starts celshade"
for lang in $(grep -v '^#' "$(dirname "$0")/../../po/LINGUAS"); do
  grep -q "^Name\[$lang\]=" "$share/applications/$app.desktop" || not_ok "the desktop file is translated into $lang"
done
ok "the installed desktop file is valid and translated"
mkdir -p "$tmp/schemas"
cp "$share/glib-2.0/schemas/$app.gschema.xml" "$tmp/schemas/"
glib-compile-schemas --strict "$tmp/schemas" || not_ok "the installed schema compiles"
GSETTINGS_SCHEMA_DIR="$tmp/schemas" GSETTINGS_BACKEND=memory gsettings get "$app" proxy-size | grep -qx 360 \
  || not_ok "the installed schema holds proxy-size"
ok "the installed schema compiles and holds its keys"

echo "1..$n"
