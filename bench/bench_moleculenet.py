#!/usr/bin/env python3
"""MoleculeNet results table: D-MPNN and fingerprint MLP, mean ± std over seeds, beside Chemprop's published D-MPNN.

For each dataset: `hitforge dataset build --registry NAME` (Morgan r2/2048 bits + molecular graphs, checksum-verified
from the data directory), one split per seed with the dataset's standard method (random 80/10/10 for ESOL, FreeSolv,
Lipophilicity, Tox21; scaffold 80/10/10 for BBBP, BACE), `hitforge train` for each model and seed (best epoch
chosen on the validation set only), and the test metric from RUN_DIR/metrics.json. Prints a Markdown table.

Usage: /usr/bin/python3 bench/bench_moleculenet.py [--hitforge build/cli/hitforge] [--datasets esol,freesolv,...]
       [--models dmpnn,fp_mlp] [--seeds 5] [--epochs 30] [--threads 2] [--ensemble K] [--out results.md]
A full run (6 datasets x 2 models x 5 seeds) takes hours on 2 cores; use --datasets/--seeds for parts.
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time

CHEMPROP = {"esol": 0.555, "freesolv": 1.075, "lipophilicity": 0.555, "bbbp": 0.737, "tox21": 0.851, "bace": None}
SPLIT = {"esol": "random", "freesolv": "random", "lipophilicity": "random", "tox21": "random", "bbbp": "scaffold",
         "bace": "scaffold"}
TARGETS = {"esol": ("rmse", "<= 0.62"), "lipophilicity": ("rmse", "<= 0.65"), "bbbp": ("roc_auc", ">= 0.70")}


def sh(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hitforge", default="build/cli/hitforge")
    ap.add_argument("--datasets", default="esol,freesolv,lipophilicity,bbbp,bace,tox21")
    ap.add_argument("--models", default="dmpnn,fp_mlp")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--extra-features", default="",
                    help="dense featuriser added to the D-MPNN as molecule-level features (e.g. rdkit2d)")
    ap.add_argument("--feature-scaling", default="standard", choices=["standard", "quantile"],
                    help="scaling of the --extra-features (hitforge train --feature-scaling)")
    ap.add_argument("--dmpnn-config", default="", help="D-MPNN options as JSON (see docs/models.md)")
    ap.add_argument("--ensemble", type=int, default=1, help="D-MPNN ensemble members per seed (mean prediction)")
    ap.add_argument("--workdir", default=None, help="keep datasets and runs here (default: a temporary directory)")
    ap.add_argument("--out", default=None, help="also write the Markdown table here")
    args = ap.parse_args()
    hf = args.hitforge
    work = args.workdir or tempfile.mkdtemp(prefix="hitforge-moleculenet-")
    os.makedirs(work, exist_ok=True)
    rows = []
    dmpnn_args = []
    if args.extra_features:
        dmpnn_args += ["--extra-features", args.extra_features.split(":")[0]]
        if args.feature_scaling != "standard":
            dmpnn_args += ["--feature-scaling", args.feature_scaling]
    if args.dmpnn_config:
        cfg = os.path.join(work, "dmpnn_config.json")
        with open(cfg, "w") as f:
            f.write(args.dmpnn_config)
        dmpnn_args += ["--config", cfg]
    if args.ensemble > 1:
        dmpnn_args += ["--ensemble", str(args.ensemble)]
    for name in args.datasets.split(","):
        h5 = os.path.join(work, f"{name}.h5")
        if not os.path.exists(h5):
            sh([hf, "dataset", "build", "--registry", name, "--featurizer", "morgan:radius=2,bits=2048",
                "--featurizer", "graph"] + (["--featurizer", args.extra_features] if args.extra_features else []) + [
                "--out", h5, "--threads", str(args.threads), "--log-level", "warn"])
        for seed in range(args.seeds):
            sh([hf, "dataset", "split", h5, "--method", SPLIT[name], "--sizes", "0.8,0.1,0.1", "--seed", str(seed),
                "--name", f"seed{seed}", "--log-level", "warn"])
        for model in args.models.split(","):
            values, secs, metric = [], [], None
            for seed in range(args.seeds):
                run = os.path.join(work, f"{name}_{model}_seed{seed}")
                if not os.path.exists(os.path.join(run, "metrics.json")):
                    t = time.perf_counter()
                    sh([hf, "train", "--data", h5, "--split", f"seed{seed}", "--model", model, "--epochs",
                        str(args.epochs), "--patience", "0", "--seed", str(seed), "--threads", str(args.threads),
                        "--out", run, "--log-level", "warn", "--no-progress"] + (["--resume"] if os.path.exists(run) else [])
                       + (dmpnn_args if model == "dmpnn" else []))
                    secs.append(time.perf_counter() - t)
                m = json.load(open(os.path.join(run, "metrics.json")))
                metric = m["primary_metric"]
                values.append(m["test"][metric])
            mean = statistics.mean(values)
            sd = statistics.stdev(values) if len(values) > 1 else 0.0
            ref = CHEMPROP.get(name)
            target = TARGETS.get(name) if model == "dmpnn" else None
            rows.append((name, model, metric, mean, sd, len(values), ref, target, sum(secs)))
            print(f"{name:14s} {model:7s} {metric:8s} {mean:.3f} ± {sd:.3f}  (n={len(values)})", flush=True)
    lines = ["| dataset | split | model | metric | test (mean ± std) | seeds | Chemprop D-MPNN | target |",
             "|---|---|---|---|---:|---:|---:|---|"]
    for name, model, metric, mean, sd, n, ref, target, _ in rows:
        lines.append(f"| {name} | {SPLIT[name]} | {model} | {metric} | {mean:.3f} ± {sd:.3f} | {n} | "
                     f"{'' if ref is None else ref} | {'' if not target else target[1]} |")
    table = "\n".join(lines)
    print(table)
    if args.out:
        with open(args.out, "w") as f:
            f.write(table + "\n")


if __name__ == "__main__":
    main()
