#!/usr/bin/env python3
"""End-to-end `hitforge predict` throughput: SMILES file -> parse -> featurise -> model -> CSV, on N threads.

Trains a small run first (a few epochs on the rdkit-data ChEMBL series: the weights' quality does not change
inference cost), then times `hitforge predict` on 50,000 ChEMBL 31 molecules for a D-MPNN (default architecture:
hidden 300, depth 3) and a fingerprint MLP. Reference: Chemprop's maintainers report ~2,650 mol/s for D-MPNN
prediction on a 4-core CPU. The D-MPNN also runs with --precision bf16 (autocast matmuls) and its predictions
are compared with fp32.

Usage: /usr/bin/python3 bench/bench_predict.py [--hitforge build/cli/hitforge] [--threads 2]
"""
import argparse
import csv
import gzip
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_featurize import default_input  # noqa: E402

FW = "/usr/share/RDKit/Contrib/FreeWilson/data"


def sh(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hitforge", default="build/cli/hitforge")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--n", type=int, default=50000)
    args = ap.parse_args()
    hf = args.hitforge
    with tempfile.TemporaryDirectory(prefix="hitforge-predict-") as tmp:
        act = dict(line.strip().split(",") for line in open(f"{FW}/CHEMBL2321810_act.csv").readlines()[1:])
        with open(f"{tmp}/train.csv", "w") as f:
            f.write("id,smiles,pIC50\n")
            for line in open(f"{FW}/CHEMBL2321810.smi"):
                smi, name = line.split()[:2]
                f.write(f"{name},{smi},{act.get(name, '')}\n")
        sh([hf, "dataset", "build", f"{tmp}/train.csv", "--id-col", "id", "--targets", "pIC50", "--featurizer",
            "graph", "--featurizer", "morgan", "--out", f"{tmp}/train.h5", "--log-level", "warn"])
        sh([hf, "dataset", "split", f"{tmp}/train.h5", "--method", "random", "--name", "r", "--log-level", "warn"])
        src = default_input()
        with gzip.open(src, "rt") as f:
            smiles = [line.split()[0] for line in f if line.strip()][: args.n]
        with open(f"{tmp}/lib.smi", "w") as f:
            f.write("\n".join(smiles) + "\n")
        print(f"library: {len(smiles)} molecules from {src}; {args.threads} threads")
        preds = {}
        for model, precision in [("dmpnn", "fp32"), ("dmpnn", "bf16"), ("fp_mlp", "fp32")]:
            if not os.path.exists(f"{tmp}/{model}"):
                sh([hf, "train", "--data", f"{tmp}/train.h5", "--split", "r", "--model", model, "--epochs", "2",
                    "--out", f"{tmp}/{model}", "--no-plots", "--log-level", "warn", "--no-progress"])
            best = 1e9
            out = f"{tmp}/pred_{model}_{precision}.csv"
            for _ in range(2):
                t = time.perf_counter()
                sh([hf, "predict", "--model", f"{tmp}/{model}", "--input", f"{tmp}/lib.smi", "--out", out,
                    "--threads", str(args.threads), "--precision", precision, "--log-level", "warn", "--no-progress"])
                best = min(best, time.perf_counter() - t)
            with open(out) as f:
                preds[(model, precision)] = [float(r["pIC50"]) for r in csv.DictReader(f) if r["status"] == "ok"]
            rate = len(smiles) / best
            target = "  (target >= 5,000 mol/s)" if model == "dmpnn" else ""
            print(f"  hitforge predict, {model:7s} {precision}  {rate:9.0f} mol/s  ({best:.2f} s){target}", flush=True)
        a, b = preds[("dmpnn", "fp32")], preds[("dmpnn", "bf16")]
        spread = statistics.pstdev(a)
        diff = [abs(x - y) for x, y in zip(a, b)]
        print(f"  D-MPNN bf16 vs fp32: max |diff| {max(diff):.4f}, mean {statistics.mean(diff):.4f} "
              f"(prediction std {spread:.4f}); {sum(d < 0.05 * spread for d in diff)}/{len(diff)}"
              " within 5% of that std")

if __name__ == "__main__":
    main()
