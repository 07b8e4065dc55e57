#!/usr/bin/env python3
"""Validate 837P files with pyx12 4.0.0 and print the error count per file.

Usage: pyx12_check.py FILE...

Prints one line per file, "<n> errors <path>", then "total <n> errors". Exit status: 0 when
every file has zero errors, 1 when any file has an error, 3 when pyx12 is not installed.
Calls the Python API as x12.md §6.2 says: the x12valid console script always exits 1, and
it writes FILE.997 next to the input, which must not happen for read-only inputs. Here
fd_997/fd_html are None, so nothing is written anywhere.
"""
import logging
import sys

try:
    import pyx12.params
    import pyx12.x12n_document
except ImportError:
    print("pyx12 is not installed: python3 -m pip install pyx12==4.0.0", file=sys.stderr)
    sys.exit(3)


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
    for path in paths:
        counter = Counter()
        root.addHandler(counter)
        try:
            ok = pyx12.x12n_document.x12n_document(
                param=pyx12.params.params(), src_file=path, fd_997=None, fd_html=None
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
