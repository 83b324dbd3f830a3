#!/usr/bin/python3
"""Davis and KIBA pair datasets built by `hitforge dataset build`, checked with h5py against numpy reading the
DeepDTA originals independently (the way DeepDTA itself reads them: np.where(~isnan(Y)) order, fold indices into it,
pKd = -log10(Kd / 1e9) for Davis). Skipped (77) without the shared data directory."""
import json
import os
import subprocess
import sys
import tempfile
from collections import OrderedDict

import h5py
import numpy as np

BIN = os.environ.get("HITFORGE_BIN", "hitforge")
HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get("HITFORGE_DATA_DIR") or os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "data"))
DEEPDTA = os.path.join(DATA, "dta", "deepdta")


def run(*args):
    r = subprocess.run([BIN, *args, "--threads", "1", "--no-progress"], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"hitforge {' '.join(args)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return r.stdout


def deepdta_reference(name, matrix, pkd):
    d = os.path.join(DEEPDTA, name)
    y = np.loadtxt(os.path.join(d, matrix))
    rows, cols = np.where(~np.isnan(y))
    values = y[rows, cols]
    if pkd:
        values = -np.log10(values / 1e9)
    train = json.load(open(os.path.join(d, "folds", "train_fold_setting1.txt")))
    test = json.load(open(os.path.join(d, "folds", "test_fold_setting1.txt")))
    ligands = json.load(open(os.path.join(d, "ligands_can.txt")), object_pairs_hook=OrderedDict)
    proteins = json.load(open(os.path.join(d, "proteins.txt")), object_pairs_hook=OrderedDict)
    return rows, cols, values, train, test, ligands, proteins


def check(path, name, ref):
    rows, cols, values, train, test, ligands, proteins = ref
    with h5py.File(path) as f:
        assert f.attrs["format"] == "hitforge-dataset"
        assert list(f["records/id"].asstr()[:]) == list(ligands), name
        assert (f["records/status"][:] == 0).all(), name
        assert list(f["proteins/id"].asstr()[:]) == list(proteins), name
        lig, prot = f["pairs/ligand"][:], f["pairs/protein"][:]
        assert (lig == rows).all() and (prot == cols).all(), name
        label = f["pairs/label"][:, 0]
        assert np.allclose(label, values, atol=2e-6), (name, np.abs(label - values).max())
        assert (f["pairs/status"][:] == 0).all(), name
        fold = f["pairs/fold"][:]
        names = list(f["pairs/fold"].attrs["names"])
        assert names == ["0", "1", "2", "3", "4", "test"], names
        for k, idx in enumerate(train):
            assert (fold[idx] == k).all(), (name, k)
        assert (fold[test] == 5).all(), name
        # setting1: valid = fold 0, train = folds 1-4, test = the test fold; nothing shared.
        s = f["splits/setting1"]
        assert sorted(s["test"][:]) == sorted(test)
        assert sorted(s["valid"][:]) == sorted(train[0])
        assert sorted(s["train"][:]) == sorted(sum(train[1:], []))
        # Cold-drug: no test drug (by canonical SMILES) in train; cold-target likewise by sequence.
        smiles = f["records/smiles"].asstr()[:]
        seqs = np.array([q.upper() for q in f["proteins/sequence"].asstr()[:]])
        cd, ct = f["splits/cold-drug"], f["splits/cold-target"]
        assert not set(smiles[lig[cd["train"][:]]]) & set(smiles[lig[cd["test"][:]]])
        assert not set(seqs[prot[ct["train"][:]]]) & set(seqs[prot[ct["test"][:]]])
        # Tokens: the first 1000 residues of every protein.
        off = f["proteins/tokens/offsets"][:]
        lengths = np.array([len(q) for q in proteins.values()])
        assert (np.diff(off) == np.minimum(lengths, 1000)).all()
        assert f["proteins/tokens"].attrs["crop"] == "head"


def main():
    if not os.path.isdir(DEEPDTA):
        print(f"no DeepDTA data under {DEEPDTA}; skipping")
        return 77
    os.environ["HITFORGE_DATA_DIR"] = DATA
    with tempfile.TemporaryDirectory() as tmp:
        davis_ref = deepdta_reference("davis", "drug-target_interaction_affinities_Kd__Davis_et_al.2011v1.txt", True)
        out = os.path.join(tmp, "davis_registry.h5")
        print(run("dataset", "build", "--registry", "davis", "--offline", "--featurizer", "morgan", "--out", out))
        check(out, "davis (registry)", davis_ref)
        d = os.path.join(DEEPDTA, "davis")
        out = os.path.join(tmp, "davis_matrix.h5")
        print(run("dataset", "build", "--pairs", "--ligands", os.path.join(d, "ligands_can.txt"),
                  "--proteins", os.path.join(d, "proteins.txt"),
                  "--affinities", os.path.join(d, "drug-target_interaction_affinities_Kd__Davis_et_al.2011v1.txt"),
                  "--folds", os.path.join(d, "folds"), "--affinity-transform", "pkd", "--label-name", "pKd",
                  "--featurizer", "morgan", "--out", out))
        check(out, "davis (matrix)", davis_ref)
        kiba_ref = deepdta_reference("kiba", "kiba_binding_affinity_v2.txt", False)
        out = os.path.join(tmp, "kiba_registry.h5")
        print(run("dataset", "build", "--registry", "kiba", "--offline", "--featurizer", "morgan", "--out", out))
        check(out, "kiba (registry)", kiba_ref)
        info = json.loads(run("dataset", "info", out, "--json"))
        assert info["pairs"]["count"] == 118254 and info["pairs"]["ok"] == 118254, info["pairs"]
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
