#!/usr/bin/env python3
"""Featurisation benchmark: SMILES -> canonical SMILES + Morgan r2/2048 packed bits -> HDF5.

Runs, in one invocation and on the same input file:
  1. RDKit-Python, single process      (parse, canonical SMILES, Morgan bits, pack, write HDF5 with h5py)
  2. RDKit-Python, multiprocessing.Pool(N) doing the same per-molecule work, parent writes HDF5
  3. `hitforge dataset build` with --threads N (same work, plus per-record status/reason/id columns)
and prints molecules/s and the ratios hitforge/baseline. Also checks that the fingerprints are identical.

Usage: /usr/bin/python3 bench/bench_featurize.py [--hitforge build/cli/hitforge] [--input FILE] [--threads 2]
Default input: 50,000 ChEMBL 31 molecules from ../shared/data/generation/chembl31_s4_subsets/mini_train.smi.gz
(data dir overridable with HITFORGE_DATA_DIR).
"""
import argparse
import gzip
import multiprocessing as mp
import os
import shutil
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np
from rdkit import Chem, DataStructs, RDLogger
from rdkit.Chem import AllChem

RDLogger.DisableLog("rdApp.*")
NBITS = 2048
RADIUS = 2


def featurise(smi):
    """One molecule: (canonical SMILES or '', packed bits or None)."""
    mol = Chem.MolFromSmiles(smi)
    if mol is None:
        return "", None
    fp = AllChem.GetMorganFingerprintAsBitVect(mol, RADIUS, nBits=NBITS)
    arr = np.zeros((NBITS,), dtype=np.uint8)
    DataStructs.ConvertToNumpyArray(fp, arr)
    return Chem.MolToSmiles(mol), np.packbits(arr, bitorder="little")


def featurise_chunk(smiles):
    return [featurise(s) for s in smiles]


def write_h5(path, smiles, canon, packed):
    str_t = h5py.string_dtype()
    with h5py.File(path, "w") as f:
        f.create_dataset("input", data=np.array(smiles, dtype=object), dtype=str_t, chunks=True,
                         compression="gzip", compression_opts=4, shuffle=True)
        f.create_dataset("smiles", data=np.array(canon, dtype=object), dtype=str_t, chunks=True,
                         compression="gzip", compression_opts=4, shuffle=True)
        f.create_dataset("morgan", data=packed, chunks=(4096, NBITS // 8), compression="gzip",
                         compression_opts=4, shuffle=True)


def assemble(results):
    canon = [c for c, _ in results]
    packed = np.zeros((len(results), NBITS // 8), dtype=np.uint8)
    for i, (_, p) in enumerate(results):
        if p is not None:
            packed[i] = p
    return canon, packed


def run_single(smiles, out):
    t0 = time.perf_counter()
    results = [featurise(s) for s in smiles]
    canon, packed = assemble(results)
    write_h5(out, smiles, canon, packed)
    return time.perf_counter() - t0, packed


def run_pool(smiles, out, workers):
    t0 = time.perf_counter()
    chunk = 1000
    chunks = [smiles[i:i + chunk] for i in range(0, len(smiles), chunk)]
    with mp.Pool(workers) as pool:
        results = [r for part in pool.imap(featurise_chunk, chunks) for r in part]
    canon, packed = assemble(results)
    write_h5(out, smiles, canon, packed)
    return time.perf_counter() - t0, packed


def run_hitforge(binary, path, out, threads):
    cmd = [binary, "dataset", "build", path, "--featurizer", f"morgan:radius={RADIUS},bits={NBITS}",
           "--threads", str(threads), "--out", out, "--log-level", "warn", "--no-progress"]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    dt = time.perf_counter() - t0
    with h5py.File(out, "r") as f:
        packed = f["features/morgan/data"][:]
    return dt, packed


def default_input():
    data = os.environ.get("HITFORGE_DATA_DIR")
    here = os.path.dirname(os.path.abspath(__file__))
    for d in [data, os.path.join(os.getcwd(), "..", "shared", "data"), os.path.join(here, "..", "..", "shared", "data")]:
        if d:
            p = os.path.join(d, "generation", "chembl31_s4_subsets", "mini_train.smi.gz")
            if os.path.exists(p):
                return p
    sys.exit("bench_featurize: no input found; pass --input or set HITFORGE_DATA_DIR")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hitforge", default="build/cli/hitforge")
    ap.add_argument("--input", default=None)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--limit", type=int, default=50000)
    ap.add_argument("--repeat", type=int, default=3, help="best of N runs for each contender")
    args = ap.parse_args()
    src = args.input or default_input()
    opener = gzip.open if src.endswith(".gz") else open
    with opener(src, "rt") as f:
        smiles = [line.split()[0] for line in f if line.strip()][: args.limit]
    tmp = tempfile.mkdtemp(prefix="hitforge-bench-")
    try:
        plain = os.path.join(tmp, "input.smi")
        with open(plain, "w") as f:
            f.write("\n".join(smiles) + "\n")
        n = len(smiles)
        print(f"input: {src} ({n} molecules), threads: {args.threads}, best of {args.repeat}")
        best = {}
        fps = {}
        for name, fn in [("python", lambda: run_single(smiles, os.path.join(tmp, "py.h5"))),
                         (f"python Pool({args.threads})", lambda: run_pool(smiles, os.path.join(tmp, "pool.h5"), args.threads)),
                         ("hitforge", lambda: run_hitforge(args.hitforge, plain, os.path.join(tmp, "hf.h5"), args.threads))]:
            times = []
            for _ in range(args.repeat):
                dt, packed = fn()
                times.append(dt)
            best[name] = min(times)
            fps[name] = packed
            print(f"  {name:18s} {n / best[name]:9.0f} mol/s   ({best[name]:.2f} s)")
        same = all(np.array_equal(fps["hitforge"], v) for v in fps.values())
        print(f"fingerprints identical across all three: {same}")
        hf = best["hitforge"]
        print(f"hitforge / python single process: {best['python'] / hf:.2f}x   (target >= 1.8x)")
        print(f"hitforge / python Pool({args.threads}):        {best[f'python Pool({args.threads})'] / hf:.2f}x   (target >= 1.1x)")
        if not same:
            sys.exit(1)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
