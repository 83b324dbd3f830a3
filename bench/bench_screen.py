#!/usr/bin/env python3
"""End-to-end screening benchmark: hitforge screen against an RDKit-Python script doing the same work with
multiprocessing.Pool(N), both run in this one invocation on the same library, and their scores compared.

Work per molecule (both sides): parse SMILES -> standardise (Cleanup, LargestFragmentChooser, Uncharger) ->
hard filters PAINS (A+B+C, no match allowed) and Lipinski (at most 1 violation) -> QED, SA score (RDKit Contrib
sascorer), Morgan r2/2048 bits -> fingerprint-MLP prediction (a model hitforge trains on ESOL, same weights on both
sides: the Python side reads hitforge's model.pt with torch.jit.load) -> desirabilities (QED as is, SA reverse
sigmoid 2..6, prediction sigmoid -6..-1, k = 0.25) -> weighted geometric mean -> top 1,000.

The Python baseline batches the MLP in the parent process (1,000 molecules per forward pass, torch with N threads)
while workers do the chemistry, which is how one would write it. Scores must agree within 1e-4 (float32 MLP on
different code paths), statuses exactly.

Usage: /usr/bin/python3 bench/bench_screen.py [--hitforge build/cli/hitforge] [--input FILE] [--n 50000]
       [--threads 2]
Default input: the first --n molecules of ../shared/data/generation/chembl31_s4_subsets/mini_train.smi.gz (data dir
overridable with HITFORGE_DATA_DIR).
"""
import argparse
import csv
import gzip
import json
import math
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from rdkit import Chem, RDLogger
from rdkit.Chem import AllChem, Crippen, Descriptors, QED, rdMolDescriptors
from rdkit.Chem.FilterCatalog import FilterCatalog, FilterCatalogParams
from rdkit.Chem.MolStandardize import rdMolStandardize

sys.path.append("/usr/share/RDKit/Contrib/SA_Score")
import sascorer  # noqa: E402  (rdkit-data)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_featurize import default_input  # noqa: E402

RDLogger.DisableLog("rdApp.*")

RECIPE = {
    "name": "bench: standardise, PAINS + Lipinski, QED + SA + MLP",
    "standardize": "default",
    "filters": [{"scorer": "pains", "max": 0, "label": "pains"}, {"scorer": "lipinski", "max": 1, "label": "lipinski"}],
    "components": [
        {"scorer": "qed"},
        {"scorer": "sa", "transform": {"type": "reverse_sigmoid", "low": 2, "high": 6}},
        {"model": "run", "transform": {"type": "sigmoid", "low": -6, "high": -1}, "label": "pred"},
    ],
    "aggregate": "geometric",
}
TOP_K = 1000

_catalog = None
_std = None


def sigmoid(x, low, high, k=0.25):
    return 1.0 / (1.0 + 10.0 ** (-k * (x - (low + high) / 2) * 10.0 / (high - low)))


def worker_init():
    global _catalog, _std
    RDLogger.DisableLog("rdApp.*")
    p = FilterCatalogParams()
    for c in (FilterCatalogParams.FilterCatalogs.PAINS_A, FilterCatalogParams.FilterCatalogs.PAINS_B,
              FilterCatalogParams.FilterCatalogs.PAINS_C):
        p.AddCatalog(c)
    _catalog = FilterCatalog(p)
    _std = (rdMolStandardize.LargestFragmentChooser(), rdMolStandardize.Uncharger())


def chemistry(smiles):
    """(status, qed, sa, packed morgan bits) per SMILES."""
    out = []
    chooser, uncharger = _std
    for smi in smiles:
        mol = Chem.MolFromSmiles(smi)
        if mol is None:
            out.append(("invalid", None, None, None))
            continue
        try:
            mol = rdMolStandardize.Cleanup(mol)
            mol = chooser.choose(mol)
            mol = uncharger.uncharge(mol)
        except Exception:
            out.append(("invalid", None, None, None))
            continue
        if _catalog.HasMatch(mol):
            out.append(("filtered", None, None, None))
            continue
        v = (Descriptors.MolWt(mol) > 500) + (Crippen.MolLogP(mol) > 5) + (rdMolDescriptors.CalcNumHBD(mol) > 5) + \
            (rdMolDescriptors.CalcNumHBA(mol) > 10)
        if v > 1:
            out.append(("filtered", None, None, None))
            continue
        fp = AllChem.GetMorganFingerprintAsBitVect(mol, 2, nBits=2048)
        arr = np.zeros((2048,), dtype=np.uint8)
        from rdkit import DataStructs
        DataStructs.ConvertToNumpyArray(fp, arr)
        out.append(("ok", QED.qed(mol), sascorer.calculateScore(mol), np.packbits(arr, bitorder="little")))
    return out


def load_mlp(run_dir, torch):
    man = json.load(open(os.path.join(run_dir, "run.json")))
    m = torch.jit.load(os.path.join(run_dir, "member_0", "model.pt"))
    params = {k: v.detach() for k, v in m.named_parameters()}
    layers = sorted({k.split(".")[1] for k in params if k.startswith("layers.")}, key=int)
    mean = man["target_scaler"]["mean"][0] if man.get("target_scaler", {}).get("mean") else 0.0
    std = man["target_scaler"]["std"][0] if man.get("target_scaler", {}).get("std") else 1.0

    def forward(bits):  # bits: [B, 2048] float32
        with torch.no_grad():
            h = torch.addmm(params["input_bias"], bits, params["input.weight"])
            for i in layers:
                h = torch.relu(h)
                h = torch.nn.functional.linear(h, params[f"layers.{i}.weight"], params[f"layers.{i}.bias"])
            return (h[:, 0] * std + mean).numpy()
    return forward


def python_screen(smiles, run_dir, workers, torch):
    t0 = time.perf_counter()
    mlp = load_mlp(run_dir, torch)
    chunk = 1000
    parts = [smiles[i:i + chunk] for i in range(0, len(smiles), chunk)]
    scores, status = [], []
    with mp.Pool(workers, initializer=worker_init) as pool:
        for res in pool.imap(chemistry, parts):
            ok = [r for r in res if r[0] == "ok"]
            pred = mlp(torch.from_numpy(np.unpackbits(np.stack([r[3] for r in ok]), axis=1, bitorder="little")
                                        .astype(np.float32))) if ok else []
            k = 0
            for r in res:
                status.append(r[0])
                if r[0] != "ok":
                    scores.append(float("nan"))
                    continue
                d = [min(max(r[1], 0.0), 1.0), 1.0 - sigmoid(r[2], 2, 6), sigmoid(float(pred[k]), -6, -1)]
                k += 1
                scores.append(math.exp(sum(math.log(x) for x in d) / 3) if min(d) > 0 else 0.0)
    order = sorted((i for i, s in enumerate(status) if s == "ok"), key=lambda i: (-scores[i], i))[:TOP_K]
    return time.perf_counter() - t0, status, scores, order


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hitforge", default="build/cli/hitforge")
    ap.add_argument("--input", default=None)
    ap.add_argument("--n", type=int, default=50000)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    hf = os.path.abspath(args.hitforge)
    src = args.input or default_input()
    opener = gzip.open if src.endswith(".gz") else open
    smiles = []
    with opener(src, "rt") as f:
        for line in f:
            s = line.split()[0] if line.strip() else ""
            if s and s.lower() != "smiles":
                smiles.append(s)
            if len(smiles) >= args.n:
                break
    work = tempfile.mkdtemp(prefix="hitforge-bench-screen-")
    lib = os.path.join(work, "library.smi")
    with open(lib, "w") as f:
        f.writelines(s + "\n" for s in smiles)
    q = ["--log-level", "warn"]
    subprocess.run([hf, "dataset", "build", "--registry", "esol", "--featurizer", "morgan:radius=2,bits=2048",
                    "--out", os.path.join(work, "esol.h5")] + q, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([hf, "dataset", "split", os.path.join(work, "esol.h5"), "--method", "random", "--seed", "0",
                    "--name", "r"] + q, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([hf, "train", "--data", os.path.join(work, "esol.h5"), "--split", "r", "--model", "fp_mlp",
                    "--epochs", "10", "--no-plots", "--no-progress", "--out", os.path.join(work, "run")] + q,
                   check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(work, "recipe.json"), "w") as f:
        json.dump(RECIPE, f)
    print(f"library: {len(smiles)} molecules from {src}; threads {args.threads}", flush=True)

    t0 = time.perf_counter()
    subprocess.run([hf, "screen", "--library", lib, "--recipe", os.path.join(work, "recipe.json"), "--top-k",
                    str(TOP_K), "--all-scores", os.path.join(work, "all.csv"), "--out", os.path.join(work, "top.csv"),
                    "--threads", str(args.threads), "--no-progress", "--no-plots"] + q, check=True,
                   stdout=subprocess.DEVNULL)
    t_hf = time.perf_counter() - t0
    t_py, status, scores, order = python_screen(smiles, os.path.join(work, "run"), args.threads, torch)

    hf_status, hf_scores = [], []
    with open(os.path.join(work, "all.csv")) as f:
        for row in csv.DictReader(f):
            hf_status.append(row["status"])
            hf_scores.append(float(row["score"]) if row["score"] else float("nan"))
    with open(os.path.join(work, "top.csv")) as f:
        hf_top = [int(row["index"]) for row in csv.DictReader(f)]
    same_status = sum(a == b for a, b in zip(status, hf_status))
    diffs = [abs(a - b) for a, b, s in zip(scores, hf_scores, status) if s == "ok" and not math.isnan(b)]
    max_diff = max(diffs) if diffs else float("nan")
    overlap = len(set(order) & set(hf_top))
    n = len(smiles)
    print(f"hitforge screen        {t_hf:7.2f} s  {n / t_hf:9.0f} mol/s")
    print(f"RDKit-Python Pool({args.threads})   {t_py:7.2f} s  {n / t_py:9.0f} mol/s")
    print(f"speed-up               {t_py / t_hf:7.2f}x   (target >= 3x)")
    print(f"statuses equal         {same_status}/{n}  (ok {status.count('ok')}, filtered {status.count('filtered')},"
          f" invalid {status.count('invalid')})")
    print(f"max |score difference| {max_diff:.2e} over {len(diffs)} scored molecules; top-{TOP_K} overlap {overlap}")


if __name__ == "__main__":
    main()
