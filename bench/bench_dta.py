#!/usr/bin/env python3
"""Drug–target affinity results (issue #6): Davis or KIBA, DeepDTA's setting-1 folds and the cold splits.

Steps, all through the built `hitforge` binary:
  1. `hitforge dataset build --registry davis|kiba` (ligands, proteins, affinities and folds from the data directory);
  2. for every --split and seed: `hitforge train --model dta --split SPLIT --seed S` (epoch chosen on the validation
     fold, the test fold used once at the end);
  3. reads each run's metrics.json and prints test MSE / CI / r_m^2 (mean ± std over seeds) beside DeepDTA and
     GraphDTA, and checks issue #6's targets on setting1.

A run directory that already holds test metrics is read, not retrained, so an interrupted sweep continues where it
stopped (and `hitforge train --resume` finishes a run killed mid-way).

Usage:
  /usr/bin/python3 bench/bench_dta.py --dataset davis --seeds 3 --epochs 25 --out /tmp/dta-davis
  /usr/bin/python3 bench/bench_dta.py --dataset kiba --split setting1 --split cold-target --epochs 30 --threads 1 \\
      --out /tmp/dta-kiba
"""
import argparse
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import run  # noqa: E402

# Published test figures on the setting-1 folds (MSE, CI); GraphDTA's are its GIN variant.
PUBLISHED = {
    "davis": {"DeepDTA": (0.261, 0.878), "GraphDTA (GIN)": (0.229, 0.893)},
    "kiba": {"DeepDTA": (0.194, 0.863), "GraphDTA (GIN)": (0.147, 0.882)},
}
TARGETS = {"davis": {"mse": 0.28, "ci": 0.87}, "kiba": {"mse": 0.22, "ci": 0.85}}
# The model of docs/dta.md#results: Morgan-bit MLP ligand encoder, DeepDTA-style protein CNN (narrower), MLP head.
DEFAULT_CONFIG = ('{"ligand_encoder": "fp_mlp", "protein_embedding_dim": 32, "protein_filters": [32, 48, 64], '
                  '"protein_kernel_sizes": [8, 8, 8], "head_hidden": [512, 256], "dropout": 0.1}')


def mean_std(xs):
    return statistics.mean(xs), (statistics.stdev(xs) if len(xs) > 1 else 0.0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", choices=["davis", "kiba"], required=True)
    ap.add_argument("--data-dir", default=None, help="registry data directory (default: hitforge's own default)")
    ap.add_argument("--split", action="append", default=[], help="setting1 | cold-drug | cold-target (repeatable; "
                    "default setting1)")
    ap.add_argument("--seeds", type=int, default=1, help="seeds 0..N-1 per split")
    ap.add_argument("--hitforge", default="build/cli/hitforge")
    ap.add_argument("--config", default=DEFAULT_CONFIG, help="dta model options (JSON)")
    ap.add_argument("--epochs", type=int, default=25)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", required=True, help="work directory (dataset, one run directory per split and seed)")
    a = ap.parse_args()
    splits = a.split or ["setting1"]
    os.makedirs(a.out, exist_ok=True)
    hf = a.hitforge
    threads = ["--threads", str(a.threads)]

    h5 = os.path.join(a.out, f"{a.dataset}.h5")
    if not os.path.exists(h5):
        cmd = [hf, "dataset", "build", "--registry", a.dataset, "--out", h5] + threads
        if a.data_dir:
            cmd += ["--data-dir", a.data_dir]
        run(cmd)
    cfg = os.path.join(a.out, "dta.json")
    with open(cfg, "w") as f:
        f.write(a.config)

    results = {}  # split -> list of (seed, test metrics, best epoch, minutes)
    for split in splits:
        for seed in range(a.seeds):
            rdir = os.path.join(a.out, f"{a.dataset}_{split}_s{seed}")
            mpath = os.path.join(rdir, "metrics.json")
            if not (os.path.exists(mpath) and "test" in json.load(open(mpath))):
                cmd = [hf, "train", "--data", h5, "--split", split, "--model", "dta", "--config", cfg,
                       "--epochs", str(a.epochs), "--batch-size", str(a.batch_size), "--lr", str(a.lr),
                       "--seed", str(seed), "--no-progress", "--out", rdir] + threads
                if os.path.exists(os.path.join(rdir, "member_0", "state.pt")):  # interrupted: continue it
                    cmd.append("--resume")
                run(cmd)
            m = json.load(open(mpath))
            minutes = sum(mm.get("seconds_this_session", 0.0) for mm in m.get("members", [])) / 60
            results.setdefault(split, []).append((seed, m["test"], m["best_epoch"], m["epochs_run"], minutes))

    print()
    print(f"{a.dataset}: model {a.config}")
    print(f"{'split':<12}{'seeds':>6}{'test MSE':>18}{'test CI':>18}{'test r_m^2':>18}  best epochs")
    summary = {}
    for split, rows in results.items():
        mse = mean_std([r[1]["mse"] for r in rows])
        ci = mean_std([r[1]["ci"] for r in rows])
        rm2 = mean_std([r[1]["rm2"] for r in rows])
        epochs = ", ".join(f"{r[2]}/{r[3]}" for r in rows)
        summary[split] = {"mse": mse, "ci": ci, "rm2": rm2, "per_seed": [{"seed": r[0], **r[1]} for r in rows]}
        print(f"{split:<12}{len(rows):>6}{mse[0]:>11.3f} ± {mse[1]:.3f}{ci[0]:>11.3f} ± {ci[1]:.3f}"
              f"{rm2[0]:>11.3f} ± {rm2[1]:.3f}  {epochs}")
        for seed, t, best, run_epochs, minutes in rows:
            print(f"    seed {seed}: MSE {t['mse']:.4f}  CI {t['ci']:.4f}  r_m^2 {t['rm2']:.4f}  "
                  f"({minutes:.1f} min of training)")
    for name, (mse, ci) in PUBLISHED[a.dataset].items():
        print(f"{name + ' (published)':<24} setting1 MSE {mse:.3f}  CI {ci:.3f}")
    with open(os.path.join(a.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    if "setting1" in summary:
        t = TARGETS[a.dataset]
        s = summary["setting1"]
        ok = s["mse"][0] <= t["mse"] and s["ci"][0] >= t["ci"]
        print(f"targets on setting1 (MSE <= {t['mse']}, CI >= {t['ci']}, mean over seeds):",
              "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
