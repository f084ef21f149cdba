#!/usr/bin/env python3
"""Regenerates data/style-pack.json and the style-pack sources of the Flatpak
manifest from a local copy of the pinned upstream files.

    data/update-style-pack.py [STYLES_DIR]

STYLES_DIR holds one folder per style (default: ../shared/data/styles/ml5
beside the source tree, or $CELSHADE_TEST_DATA/styles/ml5). Only names, URLs,
sizes and hashes are written: the files themselves stay where they are.
Run it after changing the pinned commit or the list of styles, and commit
both files together: the shipping tests check that they agree.
"""
import hashlib
import json
import os
import sys

REPO = "ml5js/ml5-data-and-models"
COMMIT = "0612a3e7c51cbffdc5db701dff49d16d1ac26fa8"
FOLDER = "models/style-transfer"
BASE_URL = "https://raw.githubusercontent.com/%s/%s/%s" % (REPO, COMMIT, FOLDER)
LICENCE = "MIT (ml5-data-and-models)"

# id -> (display name, authors of the artwork the network imitates)
STYLES = [
    ("la_muse", "La Muse", ["Pablo Picasso"]),
    ("mathura", "Mathura", []),
    ("matilde_perez", "Matilde Pérez", ["Matilde Pérez"]),
    ("rain_princess", "Rain Princess", ["Leonid Afremov"]),
    ("scream", "The Scream", ["Edvard Munch"]),
    ("udnie", "Udnie", ["Francis Picabia"]),
    ("wave", "The Great Wave off Kanagawa", ["Katsushika Hokusai"]),
]

FLATPAK_MODULE = "celshade"
FLATPAK_PACK_DIR = "style-pack"


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def variable_order(name):
    # manifest.json first, then Variable, Variable_1 ... Variable_47 in
    # network order, so that the lists read like the checkpoint layout.
    if name == "manifest.json":
        return (0, 0)
    if name == "Variable":
        return (1, 0)
    if name.startswith("Variable_") and name[9:].isdigit():
        return (1, int(name[9:]))
    return (2, name)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    if len(sys.argv) > 1:
        styles_dir = sys.argv[1]
    elif os.environ.get("CELSHADE_TEST_DATA"):
        styles_dir = os.path.join(os.environ["CELSHADE_TEST_DATA"], "styles", "ml5")
    else:
        styles_dir = os.path.join(root, "..", "shared", "data", "styles", "ml5")
    if not os.path.isdir(styles_dir):
        sys.exit("update-style-pack: %s is not a folder of styles" % styles_dir)

    pack_styles = []
    for style_id, name, authors in STYLES:
        folder = os.path.join(styles_dir, style_id)
        # Hidden files (a .keep of a copy) are not part of the checkpoint.
        names = sorted((n for n in os.listdir(folder) if not n.startswith(".")),
                       key=variable_order)
        files = []
        for file_name in names:
            path = os.path.join(folder, file_name)
            files.append({
                "path": file_name,
                "url": "%s/%s/%s" % (BASE_URL, style_id, file_name),
                "size": os.path.getsize(path),
                "sha256": sha256(path),
            })
        pack_styles.append({
            "id": style_id,
            "name": name,
            "authors": authors,
            "licence": LICENCE,
            "source": "https://github.com/%s/tree/%s/%s/%s" % (REPO, COMMIT, FOLDER, style_id),
            "format": "fast-style-transfer",
            "files": files,
        })

    pack = {
        "format-version": 1,
        "name": "ml5 fast-style-transfer styles",
        "licence": "MIT",
        "repository": "https://github.com/%s" % REPO,
        "commit": COMMIT,
        "folder": FOLDER,
        "styles": pack_styles,
    }
    with open(os.path.join(here, "style-pack.json"), "w", encoding="utf-8") as f:
        json.dump(pack, f, indent=2, ensure_ascii=False)
        f.write("\n")

    manifest_path = os.path.join(root, "flatpak", "io.github.celshade.Celshade.json")
    if os.path.exists(manifest_path):
        with open(manifest_path, encoding="utf-8") as f:
            manifest = json.load(f)
        module = next(m for m in manifest["modules"]
                      if isinstance(m, dict) and m.get("name") == FLATPAK_MODULE)
        sources = [s for s in module["sources"]
                   if not (s.get("type") == "file"
                           and s.get("dest", "").startswith(FLATPAK_PACK_DIR + "/"))]
        for style in pack_styles:
            for entry in style["files"]:
                sources.append({
                    "type": "file",
                    "url": entry["url"],
                    "sha256": entry["sha256"],
                    "dest": "%s/%s" % (FLATPAK_PACK_DIR, style["id"]),
                })
        module["sources"] = sources
        with open(manifest_path, "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=4, ensure_ascii=False)
            f.write("\n")

    print("update-style-pack: %d styles, %d files" %
          (len(pack_styles), sum(len(s["files"]) for s in pack_styles)))


if __name__ == "__main__":
    main()
