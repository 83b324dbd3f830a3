#!/usr/bin/env python3
"""hitforge's QED and SA score equal RDKit Python's (QED.qed, Contrib sascorer.calculateScore) within 1e-4 on 1,000
ChEMBL molecules from Debian's rdkit-data.

Run by CTest with HITFORGE_SCORE_DUMP (tests/tools/score_dump.cpp) set; uses /usr/bin/python3 with python3-rdkit
(exit 77 = skipped when it or rdkit-data is missing). `--time` also prints single-thread throughput of both sides.
The molecule set is built here from files rdkit-data ships (nothing is copied into the repository):
  all 100 of NIBRSubstructureFilters' random ChEMBL 24 sample, the 292 ChEMBL rows of the PAINS test set,
  the 100 ChEMBL_11265 actives of fraggle, then the CHEMBL2321810 series of FreeWilson up to 1,000 unique SMILES.
"""
import csv
import os
import subprocess
import sys
import tempfile
import time

SKIP = 77
RDKIT = "/usr/share/RDKit"
SOURCES = {
    "chembl24": f"{RDKIT}/Contrib/NIBRSubstructureFilters/examples/chembl24_structs_randomtestSample_100.csv",
    "pains": f"{RDKIT}/Data/Pains/test_data/test_set3.txt",
    "fraggle": f"{RDKIT}/Contrib/fraggle/data/ChEMBL_11265_actives.smi",
    "freewilson": f"{RDKIT}/Contrib/FreeWilson/data/CHEMBL2321810.smi",
}
SASCORER_DIR = f"{RDKIT}/Contrib/SA_Score"
N_MOLECULES = 1000
TOLERANCE = 1e-4

try:
    from rdkit import Chem, RDLogger
    from rdkit.Chem import QED
except ImportError:
    print("skip: python3-rdkit is not installed")
    sys.exit(SKIP)
missing = [p for p in list(SOURCES.values()) + [f"{SASCORER_DIR}/sascorer.py"] if not os.path.exists(p)]
if missing:
    print("skip: rdkit-data files missing: " + ", ".join(missing))
    sys.exit(SKIP)
sys.path.insert(0, SASCORER_DIR)
import sascorer  # noqa: E402  (RDKit Contrib, not a package)

RDLogger.DisableLog("rdApp.*")
DUMP = os.environ.get("HITFORGE_SCORE_DUMP", "build/tests/hitforge_score_dump")
PROPS = ["MW", "ALOGP", "HBA", "HBD", "PSA", "ROTB", "AROM", "ALERTS"]


def chembl_smiles():
    """The candidate SMILES in a fixed order (see the module docstring)."""
    with open(SOURCES["chembl24"], newline="") as f:
        yield from (row["smiles"] for row in csv.DictReader(f))
    with open(SOURCES["pains"]) as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if not line.startswith("#") and len(cols) >= 5 and cols[4] == "ChEMBL":
                yield cols[2]
    for key in ("fraggle", "freewilson"):
        with open(SOURCES[key]) as f:
            yield from (line.split()[0] for line in f if line.strip())


def molecule_set():
    seen, out = set(), []
    for smi in chembl_smiles():
        if smi in seen or Chem.MolFromSmiles(smi) is None:
            continue
        seen.add(smi)
        out.append(smi)
        if len(out) == N_MOLECULES:
            break
    return out


def per_second(fn, mols):
    """Molecules per CPU second of this thread (as score_dump measures), so other load on the machine matters less."""
    start = time.thread_time()
    for m in mols:
        fn(m)
    return len(mols) / (time.thread_time() - start)


def main():
    timing = "--time" in sys.argv[1:]
    smiles = molecule_set()
    failures = []
    if len(smiles) != N_MOLECULES:
        failures.append(f"only {len(smiles)} usable ChEMBL molecules in rdkit-data")

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "chembl1000.smi")
        with open(path, "w") as f:
            f.writelines(s + "\n" for s in smiles)
        cmd = [DUMP, path] + (["--time"] if timing else [])
        run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        print(run.stderr)
        print(f"FAIL {DUMP} exited with {run.returncode}")
        return 1
    rows = [line.split("\t") for line in run.stdout.splitlines()]
    if len(rows) != len(smiles):
        failures.append(f"{len(rows)} output rows for {len(smiles)} molecules")

    worst = {"qed": (0.0, None), "sa": (0.0, None)}
    for row in rows:
        i = int(row[0])
        if row[1] == "invalid":
            failures.append(f"molecule {i} ({smiles[i]}): hitforge could not score it: {row[2]}")
            continue
        mol = Chem.MolFromSmiles(smiles[i])
        props = QED.properties(mol)
        ref = {"qed": QED.qed(mol, qedProperties=props), "sa": sascorer.calculateScore(Chem.MolFromSmiles(smiles[i]))}
        got = {"qed": float(row[1]), "sa": float(row[2])}
        for key in ref:
            delta = abs(got[key] - ref[key])
            if delta > worst[key][0] or worst[key][1] is None:
                worst[key] = (delta, i)
            if delta > TOLERANCE:
                detail = ""
                if key == "qed":
                    ours = [float(x) for x in row[3:11]]
                    diffs = [f"{n} {o:g} vs {r:g}" for n, o, r in zip(PROPS, ours, props) if abs(o - r) > 1e-6]
                    detail = "; properties differ: " + ", ".join(diffs) if diffs else ""
                failures.append(f"molecule {i} ({smiles[i]}): {key} {got[key]:.6f} vs RDKit {ref[key]:.6f}{detail}")

    for key, (delta, i) in worst.items():
        where = f" (molecule {i}: {smiles[i]})" if i is not None else ""
        print(f"{key}: max |hitforge - RDKit| = {delta:.3g} over {len(rows)} molecules{where}")
    if timing:
        mols = [Chem.MolFromSmiles(s) for s in smiles]
        py_qed = per_second(QED.qed, mols)
        py_sa = per_second(sascorer.calculateScore, mols)
        ours = dict(kv.split("=") for kv in run.stderr.split() if "=" in kv)
        print(f"single thread, mol per CPU second: QED hitforge {float(ours['qed_mol_per_s']):.0f} vs Python {py_qed:.0f}; "
              f"SA hitforge {float(ours['sa_mol_per_s']):.0f} vs Python {py_sa:.0f}")

    for msg in failures[:20]:
        print("FAIL " + msg)
    if len(failures) > 20:
        print(f"... and {len(failures) - 20} more failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
