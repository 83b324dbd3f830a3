#!/usr/bin/env python3
"""Goal-directed generation toward QED with `hitforge optimize` (issue #5's target).

Runs REINVENT-style RL from a trained smiles_lstm prior with a QED-only recipe (default 300 steps of batch 64), then
prints the mean QED of the 100 best unique valid molecules (population.csv, recomputed with RDKit Python's
QED.qed as an independent check) and the validity of the samples over the run (steps.jsonl). Target: top-100 mean
QED >= 0.90 while validity stays >= 0.8.

Usage: /usr/bin/python3 bench/bench_optimize.py --prior PRIOR_DIR [--hitforge build/cli/hitforge] [--steps 300]
       [--batch-size 64] [--threads 2] [--seed 0] [--out RUN_DIR] [-- extra optimize options]
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prior", required=True)
    ap.add_argument("--hitforge", default="build/cli/hitforge")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None, help="run directory (default: a new temporary directory)")
    ap.add_argument("extra", nargs="*", help="further hitforge optimize options (after --)")
    a = ap.parse_args()

    work = tempfile.mkdtemp(prefix="bench-optimize-")
    out = a.out or os.path.join(work, "run")
    recipe = os.path.join(work, "qed.json")
    with open(recipe, "w") as f:
        json.dump({"name": "QED", "components": [{"scorer": "qed", "weight": 1}]}, f)
    cmd = [a.hitforge, "optimize", "--prior", a.prior, "--recipe", recipe, "--steps", str(a.steps),
           "--batch-size", str(a.batch_size), "--threads", str(a.threads), "--seed", str(a.seed),
           "--no-progress", "--log-every", "25", "--out", out] + a.extra
    print("+", " ".join(cmd), flush=True)
    t0 = time.time()
    subprocess.run(cmd, check=True)
    wall = time.time() - t0

    steps = [json.loads(l) for l in open(os.path.join(out, "steps.jsonl"))]
    validity = [s["validity"] for s in steps]
    tail = max(1, len(steps) // 10)
    with open(os.path.join(out, "population.csv")) as f:
        pop = list(csv.DictReader(f))
    pop.sort(key=lambda r: -float(r["qed"] or 0))
    top = pop[:100]
    top_qed = sum(float(r["qed"]) for r in top) / max(1, len(top))
    print(f"steps {len(steps)}, batch {a.batch_size}, wall {wall:.0f} s ({wall / len(steps):.2f} s/step)")
    print(f"mean score: step 1 {steps[0]['mean_score']:.3f}, last {tail} steps "
          f"{sum(s['mean_score'] for s in steps[-tail:]) / tail:.3f}")
    print(f"validity: step 1 {validity[0]:.3f}, min {min(validity):.3f}, mean {sum(validity) / len(validity):.3f}, "
          f"last {tail} steps {sum(validity[-tail:]) / tail:.3f}")
    print(f"unique valid molecules: {len(pop)}; top-100 mean QED (hitforge) {top_qed:.4f}")
    try:
        from rdkit import Chem, RDLogger
        from rdkit.Chem import QED
        RDLogger.DisableLog("rdApp.*")
        canon = {Chem.MolToSmiles(Chem.MolFromSmiles(r["smiles"])) for r in top}
        ref = [QED.qed(Chem.MolFromSmiles(r["smiles"])) for r in top]
        print(f"top-100 mean QED (RDKit Python) {sum(ref) / len(ref):.4f}; distinct canonical SMILES {len(canon)}; "
              f"max |diff| {max(abs(x - float(r['qed'])) for x, r in zip(ref, top)):.2e}")
    except ImportError:
        print("(RDKit Python not found: use /usr/bin/python3 for the independent QED check)")
    ok = top_qed >= 0.90 and min(validity[1:] or validity) >= 0.8
    print("target (top-100 QED >= 0.90, validity >= 0.8 at every step after the first):", "met" if ok else "NOT met")
    print("run directory:", out)


if __name__ == "__main__":
    sys.exit(main())
