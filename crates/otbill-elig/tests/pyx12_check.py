#!/usr/bin/env python3
"""Validate 270/271 (005010X279A1) files with pyx12 4.0.0 and print the error count per file.

Usage: pyx12_check.py FILE...

pyx12 4.0.0 ships no 005010X279A1 map. The maps come from pyx12's own upstream repository
(tools/pyx12-x279/, see its README.md). This script builds a temporary map directory: a copy
of the installed pyx12 `map` folder plus the two X279 maps, with two lines inserted into the
copied maps.xml right after `<version icvn="00501">`. The directory is handed to pyx12 with the
`map_path=` keyword argument of x12n_document (setting it in params does not work).

The copies of the two X279 maps are reshaped (the files in tools/pyx12-x279/ stay as they
are), nothing but the nesting of loops, to the layout of pyx12's own 270/271 4010 maps and
of its 837 maps:
  * the upstream maps put 2000A, 2000B, 2000C and 2000D side by side in "TABLE2AREAn"
    wrapper loops; pyx12's map walker only moves forward through siblings, so it cannot go
    back from a 2000C to a second 2000B or from a 2000D to the next 2000C ("Segment HL*5*4*22*0
    not found"): a 270 with two providers, or a subscriber after a dependent, fails. Here
    2000B is nested in 2000A, 2000C in 2000B and 2000D in 2000C (the HL hierarchy), each
    placed after the parent's 2100 loop;
  * the 271 map has LS, the 2120 loop and LE inside the 2115 (III) loop, and LE inside
    2120; the TR3 (and pyx12's 4010 map) have LS, 2120 and LE at 2110 level after 2115.
    Here they are moved there (positions 3300, 3400, 4000), and 2115 gets its III's
    position (2600) so that a III after an MSG is found.
Segment and element definitions, codes and usages are untouched.

Prints one line per file, "<n> errors <path>", then "total <n> errors". Exit status: 0 when
every file has zero errors, 1 when any file has an error, 3 when pyx12 is not installed.
fd_997/fd_html are None, so nothing is written next to the inputs.
"""
import logging
import os
import shutil
import sys
import tempfile
import xml.etree.ElementTree as ET

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


def find_loop(node, xid):
    """The loop `xid` under node (depth first), and its parent."""
    for child in node:
        if child.tag == "loop":
            if child.get("xid") == xid:
                return child, node
            found = find_loop(child, xid)
            if found[0] is not None:
                return found
    return None, None


def set_pos(node, pos):
    node.find("pos").text = pos


def reshape(path):
    """Nests the HL loops and moves LS/2120/LE to 2110 level (see the module doc)."""
    tree = ET.parse(path)
    root = tree.getroot()
    _, st_loop = find_loop(root, "TABLE2AREA2")
    areas = [find_loop(root, "TABLE2AREA%d" % n)[0] for n in (2, 3, 4, 5)]
    levels = [area.find("loop") for area in areas]  # 2000A, 2000B, 2000C, 2000D
    for area in areas:
        st_loop.remove(area)
    # 2000A takes the place of its wrapper among the ST loop's children.
    set_pos(levels[0], areas[0].find("pos").text)
    st_loop.append(levels[0])
    for parent, child in zip(levels, levels[1:]):
        set_pos(child, "5000")  # after everything in the parent (its 2100 is at 0300)
        parent.append(child)
    for letter in "CD":
        loop_2110, _ = find_loop(root, "2110" + letter)
        loop_2115, _ = find_loop(loop_2110, "2115" + letter)
        if loop_2115 is None:
            continue  # the 270 map has no 2115
        set_pos(loop_2115, "2600")
        ls = next(s for s in loop_2115.findall("segment") if s.get("xid") == "LS")
        loop_2120 = loop_2115.find("loop")
        le = next(s for s in loop_2120.findall("segment") if s.get("xid") == "LE")
        loop_2115.remove(ls)
        loop_2115.remove(loop_2120)
        loop_2120.remove(le)
        set_pos(loop_2120, "3400")
        for node in (ls, loop_2120, le):
            loop_2110.append(node)
    tree.write(path, encoding="utf-8", xml_declaration=True)


def build_map_dir(tmp):
    """Copies pyx12's map folder into tmp/map, adds the X279 maps; returns its path."""
    installed = os.path.join(os.path.dirname(pyx12.__file__), "map")
    target = os.path.join(tmp, "map")
    shutil.copytree(installed, target)
    for name in MAPS:
        shutil.copy(os.path.join(X279, name), os.path.join(target, name))
        reshape(os.path.join(target, name))
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
