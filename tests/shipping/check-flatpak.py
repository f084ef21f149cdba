#!/usr/bin/env python3
"""Checks the Flatpak manifest: its structure, the GNOME 47 runtime and SDK,
the application id and command, that its sandbox holes are only those the
application needs, and that the style pack it builds in is exactly
data/style-pack.json, file for file, with the hashes of the copies in
$CELSHADE_TEST_DATA/styles/ml5 where that folder exists.

    check-flatpak.py SOURCE_ROOT
"""
import hashlib
import json
import os
import sys

APP_ID = "io.github.celshade.Celshade"
# The portals give access to the files a user picks, so no --filesystem.
ALLOWED_FINISH_ARGS = {
    "--share=ipc",
    "--socket=wayland",
    "--socket=fallback-x11",
    "--device=dri",
}

root = sys.argv[1]
problems = []


def problem(message):
    problems.append(message)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


with open(os.path.join(root, "flatpak", APP_ID + ".json"), encoding="utf-8") as f:
    manifest = json.load(f)
with open(os.path.join(root, "data", "style-pack.json"), encoding="utf-8") as f:
    pack = json.load(f)

if manifest.get("id", manifest.get("app-id")) != APP_ID:
    problem("the app id is %r, not %r" % (manifest.get("id"), APP_ID))
if manifest.get("runtime") != "org.gnome.Platform" or manifest.get("sdk") != "org.gnome.Sdk":
    problem("the runtime and SDK must be org.gnome.Platform and org.gnome.Sdk")
if str(manifest.get("runtime-version")) != "47":
    problem("the runtime version is %r, not 47" % manifest.get("runtime-version"))
if manifest.get("command") != "celshade":
    problem("the command is %r, not celshade" % manifest.get("command"))

finish_args = manifest.get("finish-args", [])
for arg in finish_args:
    if arg not in ALLOWED_FINISH_ARGS:
        problem("finish-arg %s is not one the application needs" % arg)
for needed in ("--socket=wayland", "--socket=fallback-x11", "--device=dri"):
    if needed not in finish_args:
        problem("finish-arg %s is missing" % needed)
if any(a.startswith("--filesystem") for a in finish_args):
    problem("the sandbox must not open the file system: files come through the portals")

modules = manifest.get("modules", [])
names = [m.get("name") for m in modules if isinstance(m, dict)]
for needed in ("glslang", "protobuf-c", "celshade"):
    if needed not in names:
        problem("module %s is missing" % needed)
if names and names[-1] != "celshade":
    problem("the application must be the last module")
for module in modules:
    for source in module.get("sources", []):
        if source.get("type") in ("archive", "file") and "url" in source:
            if not source.get("sha256") or len(source["sha256"]) != 64:
                problem("%s: %s has no sha256" % (module.get("name"), source["url"]))
        if source.get("type") == "git" and not source.get("commit"):
            problem("%s: git source %s is not pinned to a commit" % (module.get("name"), source.get("url")))

app = next((m for m in modules if m.get("name") == "celshade"), {})
if app.get("buildsystem") != "meson":
    problem("the application module must build with meson")
if not any(s.get("type") == "file" and s.get("url", "").endswith("/onnx/onnx.proto")
           for s in app.get("sources", [])):
    problem("the ONNX schema (onnx.proto) is not a source of the application")
if not any("celshade-import --style-pack" in c for c in app.get("post-install", [])):
    problem("the application module does not import the style pack with celshade-import --style-pack")
if not any(e.startswith(("org.freedesktop.Platform.ffmpeg-full", "org.freedesktop.Platform.codecs-extra"))
           for e in manifest.get("add-extensions", {})):
    problem("the manifest adds no codec extension for the encoders the runtime lacks")

# The style pack: the same files as data/style-pack.json, nothing more.
expected = {}
for style in pack["styles"]:
    for entry in style["files"]:
        expected[entry["url"]] = (style["id"], entry)
listed = {}
for source in app.get("sources", []):
    if source.get("type") == "file" and source.get("dest", "").startswith("style-pack/"):
        listed[source["url"]] = source
for url, (style_id, entry) in sorted(expected.items()):
    source = listed.get(url)
    if source is None:
        problem("style pack file %s/%s is not a source of the manifest" % (style_id, entry["path"]))
        continue
    if source.get("sha256") != entry["sha256"]:
        problem("%s/%s: the manifest's sha256 differs from data/style-pack.json" % (style_id, entry["path"]))
    if source.get("dest") != "style-pack/" + style_id:
        problem("%s/%s goes to %s, not style-pack/%s" % (style_id, entry["path"], source.get("dest"), style_id))
    if os.path.basename(url) != entry["path"] and source.get("dest-filename") != entry["path"]:
        problem("%s/%s would be saved under another name" % (style_id, entry["path"]))
for url in sorted(set(listed) - set(expected)):
    problem("the manifest lists %s, which data/style-pack.json does not" % url)

commit = pack.get("commit", "")
prefix = "https://raw.githubusercontent.com/ml5js/ml5-data-and-models/%s/models/style-transfer/" % commit
if len(commit) != 40:
    problem("the style pack is not pinned to a commit")
for url, (style_id, entry) in expected.items():
    if url != prefix + style_id + "/" + entry["path"]:
        problem("%s is not the pinned upstream URL of %s/%s" % (url, style_id, entry["path"]))

data = os.environ.get("CELSHADE_TEST_DATA") or os.path.join(root, "..", "shared", "data")
local = os.path.join(data, "styles", "ml5")
checked = 0
if os.path.isdir(local):
    for url, (style_id, entry) in sorted(expected.items()):
        path = os.path.join(local, style_id, entry["path"])
        if not os.path.exists(path):
            continue
        checked += 1
        if os.path.getsize(path) != entry["size"]:
            problem("%s: %d bytes, the pack says %d" % (path, os.path.getsize(path), entry["size"]))
        elif sha256(path) != entry["sha256"]:
            problem("%s: its sha256 differs from the one the pack pins" % path)
    print("compared %d pinned files with the copies in %s" % (checked, local))
else:
    print("no local copy of the style pack at %s: hashes not compared" % local)

if problems:
    for p in problems:
        print("flatpak manifest: " + p)
    sys.exit(1)
print("flatpak manifest: %d modules, %d style pack files, finish-args %s" %
      (len(modules), len(expected), " ".join(finish_args)))
