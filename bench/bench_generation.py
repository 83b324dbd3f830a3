#!/usr/bin/env python3
"""Generative prior results (issue #5): train a SMILES language model, sample 10k, measure them.

Steps, all through the built `hitforge` binary:
  1. `hitforge dataset build TRAIN --featurizer smiles_tokens` (canonical SMILES tokens);
  2. `hitforge train --model MODEL` (random 5 % validation hold-out, best epoch by validation NLL), wall time kept;
     or --prior DIR to measure an existing prior (its log.jsonl gives the training time);
  3. `hitforge generate --n N` (every sample written, incomplete ones too, so validity sees them);
  4. `hitforge gen-metrics` against TRAIN (novelty) and each --reference set (SNN, Frag, Scaf, KL).
Prints the metrics beside MOSES' CharRNN row and checks issue #5's targets for the ChEMBL run (validity >= 0.90,
unique@10k >= 0.98, novelty >= 0.80, IntDiv1 >= 0.85, training <= 45 min).

Usage:
  /usr/bin/python3 bench/bench_generation.py --train ../shared/data/generation/chembl31_s4_subsets/mini_train.smi.gz \
      --reference ../shared/data/generation/chembl31_s4_subsets/test.smi.gz --config '{"hidden":512,"layers":2}' \
      --epochs 6 --lr 2e-3 --out /tmp/gen-chembl
  /usr/bin/python3 bench/bench_generation.py --prior PRIOR_DIR --train TRAIN --reference REF --out DIR
  /usr/bin/python3 bench/bench_generation.py --train ../shared/data/generation/moses_subsets/train10k.csv \
      --reference ../shared/data/generation/moses_subsets/test.csv \
      --reference ../shared/data/generation/moses_subsets/test_scaffolds.csv --no-target-check ... --out /tmp/gen-moses
"""
import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import free_port, run  # noqa: E402

MOSES_CHARRNN = {"validity": 0.975, "unique@10000": 0.999, "novelty": 0.842, "intdiv1": 0.856, "filters": 0.994}
TARGETS = {"validity": 0.90, "unique@10000": 0.98, "novelty": 0.80, "intdiv1": 0.85}


def run_ranks(cmd, ranks, threads_each):
    """`cmd` as `ranks` data-parallel processes on loopback (RANK/WORLD_SIZE/MASTER_*), each with `threads_each`
    threads; returns the wall time until all have finished (a failure of any raises)."""
    cmd = cmd[: cmd.index("--threads")] + cmd[cmd.index("--threads") + 2:] + ["--threads", str(threads_each)]
    port = str(free_port())
    print(f"+ {ranks} ranks on 127.0.0.1:{port}:", " ".join(cmd), flush=True)
    t0 = time.time()
    procs = [subprocess.Popen(cmd, env=dict(os.environ, RANK=str(r), WORLD_SIZE=str(ranks), MASTER_ADDR="127.0.0.1",
                                            MASTER_PORT=port)) for r in range(ranks)]
    codes = [p.wait() for p in procs]
    if any(codes):
        raise subprocess.CalledProcessError(next(c for c in codes if c), cmd)
    return time.time() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", required=True, help="training SMILES (.smi/.csv, optionally .gz)")
    ap.add_argument("--reference", action="append", default=[], help="reference set(s) for SNN/Frag/Scaf/KL")
    ap.add_argument("--prior", help="existing prior directory (skip dataset build and training)")
    ap.add_argument("--hitforge", default="build/cli/hitforge")
    ap.add_argument("--model", default="smiles_lstm")
    ap.add_argument("--config", default='{"hidden": 512, "layers": 2}', help="model options (JSON)")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--init-lr", type=float, default=1e-4)
    ap.add_argument("--final-lr", type=float, default=1e-4)
    ap.add_argument("--lr-decay", default="exponential", choices=["exponential", "linear", "cosine"])
    ap.add_argument("--warmup-epochs", type=float, default=0.3)
    ap.add_argument("--randomize-smiles", action="store_true")
    ap.add_argument("--precision", default="fp32", choices=["fp32", "bf16"], help="matrix products in training")
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--ranks", type=int, default=1,
                    help="train data-parallel with this many local processes (docs/distributed.md), each with "
                         "--threads / ranks threads; the global batch stays --batch-size")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--budget-minutes", type=float, default=45.0, help="training wall-time target")
    ap.add_argument("--no-target-check", action="store_true",
                    help="report only (e.g. the MOSES 10k subsets): issue #5's targets are for the ChEMBL run")
    ap.add_argument("--out", required=True, help="work directory")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    hf = a.hitforge
    threads = ["--threads", str(a.threads)]

    prior = a.prior
    if prior is None:
        tokens = os.path.join(a.out, "train_tokens.h5")
        run([hf, "dataset", "build", a.train, "--featurizer", "smiles_tokens", "--out", tokens] + threads)
        cfg = os.path.join(a.out, "model.json")
        with open(cfg, "w") as f:
            f.write(a.config)
        prior = os.path.join(a.out, "prior")
        cmd = [hf, "train", "--data", tokens, "--model", a.model, "--config", cfg, "--epochs", str(a.epochs),
               "--batch-size", str(a.batch_size), "--lr", str(a.lr), "--init-lr", str(a.init_lr), "--final-lr", str(a.final_lr),
               "--lr-decay", a.lr_decay, "--warmup-epochs", str(a.warmup_epochs), "--grad-clip", "5", "--seed", str(a.seed), "--no-progress",
               "--out", prior] + threads
        if a.randomize_smiles:
            cmd.append("--randomize-smiles")
        cmd += ["--precision", a.precision]
        train_wall = run(cmd) if a.ranks <= 1 else run_ranks(cmd, a.ranks, max(1, a.threads // a.ranks))
    else:
        log = [json.loads(l) for l in open(os.path.join(prior, "log.jsonl"))]
        train_wall = sum(l["seconds"] for l in log)  # epochs only: excludes start-up and the final NLL pass
        print(f"prior {prior}: {len(log)} epochs logged, {train_wall / 60:.1f} min in epochs")
    metrics = json.load(open(os.path.join(prior, "metrics.json")))
    run_json = json.load(open(os.path.join(prior, "run.json")))

    gen = os.path.join(a.out, "generated.smi")
    sample_wall = run([hf, "generate", "--model", prior, "--n", str(a.n), "--seed", str(a.seed), "--no-progress",
                       "--out", gen] + threads)
    reports = {}
    for i, ref in enumerate(a.reference or [None]):
        out = os.path.join(a.out, f"gen_metrics_{i}.json")
        cmd = [hf, "gen-metrics", "--generated", gen, "--train", a.train, "--out", out, "--no-progress"] + threads
        if ref:
            cmd += ["--reference", ref, "--plots", os.path.join(a.out, f"plots_{i}")]
        run(cmd)
        reports[ref or "(none)"] = json.load(open(out))

    print()
    print(f"model {run_json['model']['name']} {json.dumps(run_json['model']['config'])}, "
          f"{metrics.get('parameters')} parameters")
    print(f"training: {train_wall / 60:.1f} min wall, best epoch {metrics['best_epoch']} of {metrics['epochs']}, "
          f"valid NLL {metrics['valid']['nll']:.2f} nats/molecule ({metrics['valid']['perplexity']:.3f} perplexity "
          f"per token)")
    print(f"sampling {a.n}: {sample_wall:.1f} s wall ({a.n / sample_wall:.0f} SMILES/s incl. start-up)")
    first = next(iter(reports.values()))
    m = first.get("metrics", first)
    keys = ["validity", "unique@1000", "unique@10000", "novelty", "intdiv1", "intdiv2", "filters", "kl_score"]
    print(f"{'metric':<14}{'hitforge':>10}{'MOSES CharRNN':>15}{'target':>8}")
    for k in keys:
        v = m.get(k)
        print(f"{k:<14}{(f'{v:.4f}' if isinstance(v, (int, float)) else 'n/a'):>10}"
              f"{MOSES_CHARRNN.get(k, ''):>15}{'' if a.no_target_check else TARGETS.get(k, ''):>8}")
    for ref, rep in reports.items():
        r = rep.get("metrics", rep)
        print(f"against {ref}: SNN {r.get('snn')}, Frag {r.get('frag')}, Scaf {r.get('scaff')}, KL {r.get('kl_score')}")
    if a.no_target_check:
        return 0
    ok = all(isinstance(m.get(k), (int, float)) and m[k] >= t for k, t in TARGETS.items())
    ok = ok and train_wall <= a.budget_minutes * 60
    print("targets (validity >= 0.90, unique@10k >= 0.98, novelty >= 0.80, IntDiv1 >= 0.85, training <= "
          f"{a.budget_minutes:g} min):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
