#!/usr/bin/env python3
"""Validate 270/271 (005010X279A1) files with pyx12 4.0.0 and print the error count per file.

Usage: pyx12_check.py FILE...

pyx12 4.0.0 ships no 005010X279A1 map. The maps come from pyx12's own upstream repository
(tools/pyx12-x279/, see its README.md). This script builds a temporary map directory: a copy
of the installed pyx12 `map` folder plus the two X279 maps, with two lines inserted into the
copied maps.xml right after `<version icvn="00501">`. The directory is handed to pyx12 with the
`map_path=` keyword argument of x12n_document (setting it in params does not work).

Prints one line per file, "<n> errors <path>", then "total <n> errors". Exit status: 0 when
every file has zero errors, 1 when any file has an error, 3 when pyx12 is not installed.
fd_997/fd_html are None, so nothing is written next to the inputs.
"""
import logging
import os
import shutil
import sys
import tempfile

try:
    import pyx12
    import pyx12.params
    import pyx12.x12n_document
except ImportError:
    print("pyx12 is not installed: python3 -m pip install pyx12==4.0.0", file=sys.stderr)
    sys.exit(3)

HERE = os.path.dirname(os.path.abspath(__file__))
X279 = os.path.normpath(os.path.join(HERE, "..", "..", "..", "tools", "pyx12-x279"))
MAPS = ("270.5010.X279.A1.xml", "271.5010.X279.A1.xml")
ANCHOR = '<version icvn="00501">'
LINES = (
    '\n    <map vriic="005010X279A1" fic="HS" abbr="270">270.5010.X279.A1.xml</map>'
    '\n    <map vriic="005010X279A1" fic="HB" abbr="271">271.5010.X279.A1.xml</map>'
)


def build_map_dir(tmp):
    """Copies pyx12's map folder into tmp/map, adds the X279 maps; returns its path."""
    installed = os.path.join(os.path.dirname(pyx12.__file__), "map")
    target = os.path.join(tmp, "map")
    shutil.copytree(installed, target)
    for name in MAPS:
        shutil.copy(os.path.join(X279, name), os.path.join(target, name))
    maps_xml = os.path.join(target, "maps.xml")
    with open(maps_xml, encoding="utf-8") as f:
        text = f.read()
    if ANCHOR not in text:
        print(f"{maps_xml} has no {ANCHOR!r}: unexpected pyx12 version", file=sys.stderr)
        sys.exit(2)
    text = text.replace(ANCHOR, ANCHOR + LINES, 1)
    with open(maps_xml, "w", encoding="utf-8") as f:
        f.write(text)
    return target


class Counter(logging.Handler):
    """Counts (and echoes to stderr) every ERROR record pyx12 logs."""

    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.count = 0

    def emit(self, record):
        self.count += 1
        print(f"  pyx12: {record.getMessage()}", file=sys.stderr)


def main(paths):
    root = logging.getLogger()
    root.setLevel(logging.ERROR)
    total = 0
    with tempfile.TemporaryDirectory(prefix="pyx12-x279-") as tmp:
        map_dir = build_map_dir(tmp)
        for path in paths:
            counter = Counter()
            root.addHandler(counter)
            try:
                ok = pyx12.x12n_document.x12n_document(
                    param=pyx12.params.params(),
                    src_file=path,
                    fd_997=None,
                    fd_html=None,
                    map_path=map_dir,
                )
            except Exception as exc:  # pyx12 raises on files it cannot read at all
                print(f"  pyx12: {type(exc).__name__}: {exc}", file=sys.stderr)
                ok = False
            finally:
                root.removeHandler(counter)
            errors = counter.count
            if not ok and errors == 0:
                errors = 1  # a failure verdict without a logged error still counts
            total += errors
            print(f"{errors} errors {path}")
    print(f"total {total} errors")
    return 0 if total == 0 else 1


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
