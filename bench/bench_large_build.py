#!/usr/bin/env python3
"""Memory bound of the streaming dataset build: featurise a 1,000,000-molecule file and report peak RSS.

The input is made by repeating a 50k-molecule file (ids made unique), written gzip-compressed so that nothing
can count records up front. Peak RSS comes from wait4()'s ru_maxrss of the hitforge process.
Target (issue #2): RSS < 1 GiB for a 1M-molecule build.

Usage: /usr/bin/python3 bench/bench_large_build.py [--hitforge build/cli/hitforge] [--n 1000000] [--threads 2]
"""
import argparse
import gzip
import os
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_featurize import default_input  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hitforge", default="build/cli/hitforge")
    ap.add_argument("--input", default=None)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--featurizer", action="append", default=None)
    args = ap.parse_args()
    src = args.input or default_input()
    opener = gzip.open if src.endswith(".gz") else open
    with opener(src, "rt") as f:
        base = [line.split()[0] for line in f if line.strip()]
    with tempfile.TemporaryDirectory(prefix="hitforge-large-") as tmp:
        path = os.path.join(tmp, "big.smi.gz")
        with gzip.open(path, "wt", compresslevel=1) as out:
            for i in range(args.n):
                out.write(f"{base[i % len(base)]} mol{i}\n")
        h5 = os.path.join(tmp, "big.h5")
        cmd = [args.hitforge, "dataset", "build", path, "--out", h5, "--threads", str(args.threads),
               "--log-level", "warn", "--no-progress"]
        for spec in args.featurizer or ["morgan:radius=2,bits=2048"]:
            cmd += ["--featurizer", spec]
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        dt = time.perf_counter() - t0
        out = proc.stdout.read()
        if status != 0:
            sys.exit(f"hitforge failed ({status}):\n{out}")
        rss_mib = usage.ru_maxrss / 1024
        size_mib = os.path.getsize(h5) / 2**20
        print(out.strip())
        print(f"{args.n} molecules in {dt:.1f} s ({args.n / dt:.0f} mol/s), peak RSS {rss_mib:.0f} MiB, "
              f"output {size_mib:.0f} MiB  (target: RSS < 1024 MiB) -> {'PASS' if rss_mib < 1024 else 'FAIL'}")


if __name__ == "__main__":
    main()
