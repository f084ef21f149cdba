#!/usr/bin/env python3
"""Fails when po/POTFILES.in misses a file with strings to translate, or
lists one that does not exist.

    check-potfiles.py SOURCE_ROOT

A C file has strings to translate when it calls _(), N_(), C_(), NC_() or
Q_(); a GtkBuilder file when it has translatable="yes".
"""
import os
import re
import sys

root = sys.argv[1]
marker_c = re.compile(r'(?<![A-Za-z0-9_])(?:_|N_|C_|NC_|Q_)\s*\(')
marker_ui = re.compile(r'translatable\s*=\s*"yes"')


def read_potfiles():
    listed = []
    for name in ("POTFILES.in", "POTFILES"):
        path = os.path.join(root, "po", name)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                for line in f:
                    line = line.strip()
                    if line and not line.startswith("#"):
                        listed.append(line)
    return listed


def needs_translation():
    found = []
    for top, pattern, exts in (("src", marker_c, (".c", ".h")), ("ui", marker_ui, (".ui",))):
        for folder, dirs, files in os.walk(os.path.join(root, top)):
            dirs.sort()
            for name in sorted(files):
                if not name.endswith(exts):
                    continue
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8", errors="replace") as f:
                    text = f.read()
                # Comments may show _() in examples; strings are what count.
                text = re.sub(r'/\*.*?\*/', '', text, flags=re.S) if name.endswith((".c", ".h")) else text
                if pattern.search(text):
                    found.append(os.path.relpath(path, root))
    return found


listed = read_potfiles()
if not listed:
    sys.exit("check-potfiles: po/POTFILES.in is missing or empty")
failed = False
for path in listed:
    if not os.path.exists(os.path.join(root, path)):
        print("po/POTFILES.in lists %s, which does not exist" % path)
        failed = True
for path in needs_translation():
    if path not in listed:
        print("%s has strings to translate but is missing from po/POTFILES.in" % path)
        failed = True
for path in ("data/io.github.celshade.Celshade.desktop.in",
             "data/io.github.celshade.Celshade.metainfo.xml.in",
             "data/io.github.celshade.Celshade.gschema.xml"):
    if path not in listed:
        print("%s is missing from po/POTFILES.in" % path)
        failed = True
if failed:
    sys.exit(1)
print("po/POTFILES.in lists all %d files with strings to translate" % len(listed))
