"""Times oxedi (PyPI, Rust core): typed 835 tables with balancing diagnostics.

Usage: python oxedi_bench.py RUNS FILE.835  (best of RUNS, wall clock).
"""
import sys
import time

import oxedi

runs, path = int(sys.argv[1]), sys.argv[2]
size = len(open(path, "rb").read())
best = float("inf")
for _ in range(runs):
    start = time.perf_counter()
    result = oxedi.parse_file(path)
    claims = result.count_claims()
    best = min(best, time.perf_counter() - start)
print(f"oxedi-parse_file\t{path}\t{size}\t{best:.4f}\t{size / 1e6 / best:.1f} MB/s\t{claims} claims, {len(result.diagnostics)} diagnostics")
