#!/usr/bin/env python3
"""Featurisation benchmark: SMILES -> Morgan r2/2048 packed bits -> HDF5, hitforge against RDKit-Python.

All contenders run in this one invocation on the same uncompressed input, and the fingerprints they produce are
compared bit for bit. Two tasks, each with identical work on both sides:

  task "bits"      parse, Morgan bits, pack, write HDF5 (input SMILES + fingerprints)
                   hitforge: `dataset build --no-canonical`
  task "canonical" as above plus canonical SMILES for every molecule (what `dataset build` stores by default)

For each task: RDKit-Python single process, multiprocessing.Pool(N) (workers featurise, parent writes HDF5 with
h5py), and hitforge with --threads N (which also writes ids, per-record status and reason columns). Finally the
leanest baseline the issue quotes (parse + Morgan, nothing packed or written) for reference.

Usage: /usr/bin/python3 bench/bench_featurize.py [--hitforge build/cli/hitforge] [--input FILE] [--threads 2]
Default input: 50,000 ChEMBL 31 molecules, ../shared/data/generation/chembl31_s4_subsets/mini_train.smi.gz
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
CHUNK = 1000


def featurise(smi, canonical):
    mol = Chem.MolFromSmiles(smi)
    if mol is None:
        return "", None
    fp = AllChem.GetMorganFingerprintAsBitVect(mol, RADIUS, nBits=NBITS)
    arr = np.zeros((NBITS,), dtype=np.uint8)
    DataStructs.ConvertToNumpyArray(fp, arr)
    return (Chem.MolToSmiles(mol) if canonical else smi), np.packbits(arr, bitorder="little")


def chunk_bits(smiles):
    return [featurise(s, False) for s in smiles]


def chunk_canonical(smiles):
    return [featurise(s, True) for s in smiles]


def parse_morgan_only(smiles):
    n = 0
    for s in smiles:
        mol = Chem.MolFromSmiles(s)
        if mol is not None:
            AllChem.GetMorganFingerprintAsBitVect(mol, RADIUS, nBits=NBITS)
            n += 1
    return n


def write_h5(path, smiles, results):
    packed = np.zeros((len(results), NBITS // 8), dtype=np.uint8)
    for i, (_, p) in enumerate(results):
        if p is not None:
            packed[i] = p
    str_t = h5py.string_dtype()
    opts = dict(chunks=True, compression="gzip", compression_opts=1, shuffle=True)
    with h5py.File(path, "w") as f:
        f.create_dataset("input", data=np.array(smiles, dtype=object), dtype=str_t, **opts)
        f.create_dataset("smiles", data=np.array([c for c, _ in results], dtype=object), dtype=str_t, **opts)
        f.create_dataset("morgan", data=packed, chunks=(4096, NBITS // 8), compression="gzip",
                         compression_opts=1, shuffle=True)
    return packed


def chunks(smiles):
    return [smiles[i:i + CHUNK] for i in range(0, len(smiles), CHUNK)]


def python_single(smiles, out, fn):
    t0 = time.perf_counter()
    results = [r for part in chunks(smiles) for r in fn(part)]
    packed = write_h5(out, smiles, results)
    return time.perf_counter() - t0, packed


def python_pool(smiles, out, fn, workers):
    t0 = time.perf_counter()
    with mp.Pool(workers) as pool:
        results = [r for part in pool.imap(fn, chunks(smiles)) for r in part]
    packed = write_h5(out, smiles, results)
    return time.perf_counter() - t0, packed


def hitforge(binary, path, out, threads, canonical):
    cmd = [binary, "dataset", "build", path, "--featurizer", f"morgan:radius={RADIUS},bits={NBITS}",
           "--threads", str(threads), "--out", out, "--log-level", "warn", "--no-progress"]
    if not canonical:
        cmd.append("--no-canonical")
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    dt = time.perf_counter() - t0
    with h5py.File(out, "r") as f:
        packed = f["features/morgan/data"][:]
    return dt, packed


def lean_single(smiles):
    t0 = time.perf_counter()
    parse_morgan_only(smiles)
    return time.perf_counter() - t0, None


def lean_pool(smiles, workers):
    t0 = time.perf_counter()
    with mp.Pool(workers) as pool:
        sum(pool.imap(parse_morgan_only, chunks(smiles)))
    return time.perf_counter() - t0, None


def default_input():
    data = os.environ.get("HITFORGE_DATA_DIR")
    here = os.path.dirname(os.path.abspath(__file__))
    for d in [data, os.path.join(os.getcwd(), "..", "shared", "data"), os.path.join(here, "..", "..", "shared", "data")]:
        if d:
            p = os.path.join(d, "generation", "chembl31_s4_subsets", "mini_train.smi.gz")
            if os.path.exists(p):
                return p
    sys.exit("bench_featurize: no input found; pass --input or set HITFORGE_DATA_DIR")


def best_of(fn, repeat):
    runs = [fn() for _ in range(repeat)]
    return min(r[0] for r in runs), runs[-1][1]


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
    n, w = len(smiles), args.threads
    tmp = tempfile.mkdtemp(prefix="hitforge-bench-")
    ok = True
    try:
        plain = os.path.join(tmp, "input.smi")
        with open(plain, "w") as f:
            f.write("\n".join(smiles) + "\n")
        print(f"input: {src} ({n} molecules); {w} threads/workers; best of {args.repeat}")
        out = lambda name: os.path.join(tmp, name + ".h5")
        for task, fn, canonical in [("bits", chunk_bits, False), ("canonical", chunk_canonical, True)]:
            print(f"task '{task}':")
            t = {}
            t["py"], fp_py = best_of(lambda: python_single(smiles, out("py"), fn), args.repeat)
            t["pool"], fp_pool = best_of(lambda: python_pool(smiles, out("pool"), fn, w), args.repeat)
            t["hf"], fp_hf = best_of(lambda: hitforge(args.hitforge, plain, out("hf"), w, canonical), args.repeat)
            for key, label in [("py", "RDKit-Python, 1 process"), ("pool", f"RDKit-Python, Pool({w})"),
                               ("hf", f"hitforge, {w} threads")]:
                print(f"  {label:28s} {n / t[key]:8.0f} mol/s  ({t[key]:.2f} s)")
            same = np.array_equal(fp_hf, fp_py) and np.array_equal(fp_hf, fp_pool)
            ok &= same
            print(f"  fingerprints identical: {same}")
            print(f"  hitforge / Python 1 process: {t['py'] / t['hf']:.2f}x   (target >= 1.8x)")
            print(f"  hitforge / Python Pool({w}):   {t['pool'] / t['hf']:.2f}x   (target >= 1.1x)")
            if task == "bits":
                bits_hf = t["hf"]
        lean1, _ = best_of(lambda: lean_single(smiles), args.repeat)
        leanp, _ = best_of(lambda: lean_pool(smiles, w), args.repeat)
        print("reference: parse + Morgan only, nothing packed or written (less work than any row above):")
        print(f"  RDKit-Python, 1 process    {n / lean1:8.0f} mol/s   hitforge 'bits' / this: {lean1 / bits_hf:.2f}x")
        print(f"  RDKit-Python, Pool({w})      {n / leanp:8.0f} mol/s   hitforge 'bits' / this: {leanp / bits_hf:.2f}x")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if not ok:
        sys.exit("fingerprints differ")


if __name__ == "__main__":
    main()
