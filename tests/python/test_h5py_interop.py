#!/usr/bin/env python3
"""h5py reads what hitforge writes, and hitforge's Morgan bits equal RDKit Python's on 1,000 molecules.

Run by CTest with HITFORGE_BIN set; uses /usr/bin/python3 (python3-h5py, python3-rdkit, python3-numpy).
"""
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np
from rdkit import Chem, DataStructs, RDLogger
from rdkit.Chem import AllChem, MACCSkeys

RDLogger.DisableLog("rdApp.*")
BIN = os.environ.get("HITFORGE_BIN", "build/cli/hitforge")
NCI = "/usr/share/RDKit/Data/NCI/first_5K.smi"
failures = []


def check(cond, msg):
    print(("ok   " if cond else "FAIL ") + msg)
    if not cond:
        failures.append(msg)


def unpack(rows, nbits):
    return np.unpackbits(rows, axis=1, bitorder="little")[:, :nbits]


def rdkit_bits(fp, nbits):
    arr = np.zeros((nbits,), dtype=np.uint8)
    DataStructs.ConvertToNumpyArray(fp, arr)
    return arr


with tempfile.TemporaryDirectory() as tmp:
    smi = os.path.join(tmp, "nci1000.smi")
    with open(NCI) as f, open(smi, "w") as out:
        lines = [next(f) for _ in range(1000)]
        out.writelines(lines)
    h5 = os.path.join(tmp, "nci.h5")
    subprocess.run([BIN, "dataset", "build", smi, "--featurizer", "morgan:radius=2,bits=2048",
                    "--featurizer", "morgan:radius=3,bits=1024,chiral=1", "--featurizer", "maccs",
                    "--featurizer", "rdkit2d", "--featurizer", "graph", "--out", h5, "--threads", "2",
                    "--log-level", "warn"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([BIN, "dataset", "split", h5, "--method", "scaffold", "--seed", "0", "--name", "scaf",
                    "--log-level", "warn"], check=True, stdout=subprocess.DEVNULL)

    with h5py.File(h5, "r") as f:
        check(f.attrs["format"] == "hitforge-dataset" and f.attrs["format_version"] == 1, "format attributes")
        n = int(f.attrs["n_records"])
        check(n == 1000, f"n_records = {n}")
        status = f["records/status"][:]
        smiles = [s.decode() for s in f["records/smiles"][:]]
        inputs = [s.decode() for s in f["records/input"][:]]
        ids = [s.decode() for s in f["records/id"][:]]
        check(ids[0] == lines[0].split()[1], "ids from the .smi name column")
        check(set(f["features"].keys()) == {"morgan", "morgan_2", "maccs", "rdkit2d", "graph"}, "feature blocks")
        m1 = unpack(f["features/morgan/data"][:], 2048)
        m2 = unpack(f["features/morgan_2/data"][:], 1024)
        maccs = unpack(f["features/maccs/data"][:], 167)
        desc = f["features/rdkit2d/data"]
        cols = [c.decode() if isinstance(c, bytes) else c for c in f["features/rdkit2d"].attrs["columns"]]
        check(desc.shape == (1000, len(cols)) and len(set(cols)) == len(cols) > 100, f"{len(cols)} named descriptor columns")
        check(f["features/morgan"].attrs["spec"] == "morgan:bits=2048,chiral=0,features=0,radius=2", "block spec attribute")
        g = f["features/graph"]
        ao = g["atom_offsets"][:]
        check(len(ao) == n + 1 and ao[-1] == g["atom_features"].shape[0], "graph offsets cover the atoms")
        split = {k: f[f"splits/scaf/{k}"][:] for k in ("train", "valid", "test")}

    mismatches = {"r2/2048": 0, "r3/1024/chiral": 0, "maccs": 0, "canonical": 0, "heavy atoms": 0}
    checked = 0
    for i, s in enumerate(inputs):
        mol = Chem.MolFromSmiles(s)
        if mol is None:
            check(status[i] == 1, f"record {i} invalid in both")
            continue
        if status[i] != 0:
            failures.append(f"record {i} ok in RDKit but invalid in hitforge")
            continue
        checked += 1
        mismatches["r2/2048"] += not np.array_equal(m1[i], rdkit_bits(AllChem.GetMorganFingerprintAsBitVect(mol, 2, nBits=2048), 2048))
        mismatches["r3/1024/chiral"] += not np.array_equal(
            m2[i], rdkit_bits(AllChem.GetMorganFingerprintAsBitVect(mol, 3, nBits=1024, useChirality=True), 1024))
        mismatches["maccs"] += not np.array_equal(maccs[i], rdkit_bits(MACCSkeys.GenMACCSKeys(mol), 167))
        mismatches["canonical"] += smiles[i] != Chem.MolToSmiles(mol)
        mismatches["heavy atoms"] += (ao[i + 1] - ao[i]) != mol.GetNumAtoms()
    check(checked >= 990, f"{checked} molecules compared with RDKit Python")
    for k, v in mismatches.items():
        check(v == 0, f"{k}: {v} mismatches")

    def scaffold(s):
        from rdkit.Chem.Scaffolds import MurckoScaffold
        return MurckoScaffold.MurckoScaffoldSmiles(mol=Chem.MolFromSmiles(s), includeChirality=False)

    train_scafs = {scaffold(smiles[i]) for i in split["train"]}
    test_scafs = {scaffold(smiles[i]) for i in split["test"]}
    shared = (train_scafs & test_scafs) - {""}
    check(not shared, f"scaffold split: {len(shared)} scaffolds shared between train and test (RDKit Python's view)")
    check(len(split["train"]) + len(split["valid"]) + len(split["test"]) == int((status == 0).sum()),
          "split covers every valid record")

print(f"{0 if failures else 1} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
