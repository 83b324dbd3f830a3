#!/usr/bin/env python3
"""Protein language model results (issue #6): train protein_lm on the FLIP sequences, report held-out perplexity
against the amino-acid unigram baseline, zero-shot Spearman rho on the TEM-1 deep mutational scan, and the residue
composition of sampled sequences against natural ones.

Steps, all through the built `hitforge` binary:
  1. `hitforge dataset build --sequences` over FLIP secondary_structure + conservation (split "by_sequence": identical
     sequences never cross subsets; 5 % validation, 5 % test);
  2. `hitforge train --model protein_lm` (best epoch by validation NLL), wall time kept;
  3. metrics.json: test perplexity vs the unigram baseline the trainer computes on the same test sequences, and
     add-0.1 bigram/trigram models; per protein (`hitforge protein score` on the test proteins that fit whole): the
     share the model predicts better than the unigram and a bootstrap 95 % interval of the perplexity ratio;
  4. `hitforge protein score --wild-type P62593 --mutations BLAT_ECOLX_Ranganathan2015` → log-likelihood ratios,
     Spearman rho against the scan's fitness column (ESM's choice for this set: "2500", ampicillin 2500 ug/ml);
  5. `hitforge protein sample` → amino-acid composition vs the test sequences (L1 distance, a PNG bar chart).

Usage:
  /usr/bin/python3 bench/bench_protein_lm.py --data-dir ../shared/data --out /tmp/plm --epochs 2
"""
import argparse
import gzip
import json
import os
import sys

import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import run  # noqa: E402

AMINO = "ACDEFGHIKLMNPQRSTVWY"


def read_fasta(path):
    opener = gzip.open if path.endswith(".gz") else open
    seqs, cur = [], []
    with opener(path, "rt") as f:
        for line in f:
            line = line.strip()
            if line.startswith(">"):
                if cur:
                    seqs.append("".join(cur))
                cur = []
            elif line:
                cur.append(line)
    if cur:
        seqs.append("".join(cur))
    return seqs


def composition(seqs):
    counts = {a: 0 for a in AMINO}
    for s in seqs:
        for c in s.upper():
            if c in counts:
                counts[c] += 1
    total = sum(counts.values()) or 1
    return {a: counts[a] / total for a in AMINO}


def read_proteins(h5_path, split):
    """The protein table of a sequence dataset and a split of it: sequences, status, train rows, test rows."""
    import h5py
    with h5py.File(h5_path, "r") as f:
        return (f["proteins/sequence"].asstr()[:], f["proteins/status"][:],
                f[f"splits/{split}/train"][:], f[f"splits/{split}/test"][:])


def ngram_perplexity(proteins, max_positions, n, alpha=0.1):
    """Test perplexity of an add-alpha n-gram model fitted on the training subset, per predicted token (residues and
    <eos>), with the trainer's crop rule: <bos> + the first max_positions - 1 residues and no <eos> when a protein
    does not fit, else <bos> + residues + <eos>. n = 1 is close to the trainer's add-one unigram baseline."""
    import collections
    import math

    seqs, status, train, test = proteins

    def tokens(i):
        s = seqs[i].upper()
        if len(s) + 2 <= max_positions:
            return ["^"] + list(s) + ["$"]
        return ["^"] + list(s[:max_positions - 1])

    counts, contexts, alphabet = collections.Counter(), collections.Counter(), set("$")
    for i in train:
        if status[i] != 0:
            continue
        t = tokens(i)
        alphabet.update(t[1:])
        for k in range(1, len(t)):
            c = tuple(t[max(0, k - n + 1):k])
            counts[c + (t[k],)] += 1
            contexts[c] += 1
    v = len(alphabet)
    nll, predicted = 0.0, 0
    for i in test:
        if status[i] != 0:
            continue
        t = tokens(i)
        for k in range(1, len(t)):
            c = tuple(t[max(0, k - n + 1):k])
            nll -= math.log((counts[c + (t[k],)] + alpha) / (contexts[c] + alpha * v))
            predicted += 1
    return math.exp(nll / predicted)


def paired_vs_unigram(proteins, max_positions, scores_csv, seed=0, resamples=2000):
    """Per-protein comparison with the trainer's add-one unigram on the test proteins that fit whole (the ones
    `protein score` accepts): the fraction of proteins the model predicts better, and a bootstrap (over proteins)
    95 % interval of the perplexity ratio model / unigram on that subset."""
    import math

    import numpy as np
    seqs, status, train, _ = proteins
    vocab_size = 25  # <pad> <bos> <eos> <unk>, 20 residues, X

    def residues(i):
        return ["X" if c not in AMINO else c for c in seqs[i].upper()]

    counts, total = {}, 0
    for i in train:
        if status[i] != 0:
            continue
        r = residues(i)
        fits = len(r) + 2 <= max_positions
        predicted = r + ["$"] if fits else r[:max_positions - 1]
        for t in predicted:
            counts[t] = counts.get(t, 0) + 1
        total += len(predicted)
    logp = {t: math.log((c + 1) / (total + vocab_size)) for t, c in counts.items()}
    unseen = math.log(1 / (total + vocab_size))
    sc = pd.read_csv(scores_csv)
    sc = sc[sc.status == "ok"]
    model_nll = -sc["log_likelihood"].to_numpy()
    tokens = sc["length"].to_numpy() + 1
    uni_nll = np.array([-sum(logp.get(t, unseen) for t in residues(int(i)) + ["$"]) for i in sc["id"]])
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(sc), size=(resamples, len(sc)))
    ratios = np.exp((model_nll[idx].sum(1) - uni_nll[idx].sum(1)) / tokens[idx].sum(1))
    return {"paired_proteins": int(len(sc)),
            "paired_model_wins": float((model_nll < uni_nll).mean()),
            "paired_ratio": float(math.exp((model_nll.sum() - uni_nll.sum()) / tokens.sum())),
            "paired_ratio_ci95": [float(np.quantile(ratios, 0.025)), float(np.quantile(ratios, 0.975))]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default="../shared/data")
    ap.add_argument("--hitforge", default="build/cli/hitforge")
    ap.add_argument("--config", default='{"d_model": 128, "heads": 4, "layers": 4, "max_positions": 512, '
                                        '"dropout": 0.1}')
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--model", help="existing protein_lm run directory (skip build and training)")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    hf, threads = a.hitforge, ["--threads", str(a.threads)]
    flip = os.path.join(a.data_dir, "protein", "flip")
    dms_dir = os.path.join(a.data_dir, "protein", "esm_dms")
    h5 = os.path.join(a.out, "proteins.h5")
    results = {}

    plm = a.model
    if plm is None:
        plm = os.path.join(a.out, "plm")
        results["build_seconds"] = run([hf, "dataset", "build",
                                        "--sequences", os.path.join(flip, "secondary_structure", "sequences.fasta.gz"),
                                        "--sequences", os.path.join(flip, "conservation", "sequences.fasta.gz"),
                                        "--out", h5, "--no-progress"] + threads)
        cfg = os.path.join(a.out, "plm.json")
        with open(cfg, "w") as f:
            f.write(a.config)
        results["train_seconds"] = run([hf, "train", "--data", h5, "--model", "protein_lm", "--config", cfg,
                                        "--epochs", str(a.epochs), "--batch-size", str(a.batch_size),
                                        "--lr", str(a.lr), "--init-lr", str(a.lr / 10), "--final-lr", str(a.lr / 10),
                                        "--warmup-epochs", "0.2", "--grad-clip", "1", "--no-progress",
                                        "--out", plm] + threads)
    with open(os.path.join(plm, "metrics.json")) as f:
        m = json.load(f)
    results["parameters"] = m["parameters"]
    results["test_perplexity"] = m["test"]["perplexity"]
    results["test_nll_per_token"] = m["test"]["nll_per_token"]
    results["unigram_test_perplexity"] = m["unigram_baseline"]["test"]["perplexity"]
    results["test_sequences"] = m["test"]["n"]
    # n-gram baselines on the same test sequences: what local residue context alone buys
    with open(os.path.join(plm, "run.json")) as f:
        run_json = json.load(f)
    dataset = run_json["dataset"]["path"]
    if os.path.exists(dataset):
        proteins = read_proteins(dataset, run_json["dataset"]["split"])
        for n in (2, 3):
            results[f"{n}gram_test_perplexity"] = ngram_perplexity(proteins, m["model"]["config"]["max_positions"], n)

        # per protein: the test proteins that fit whole, scored by `hitforge protein score`
        seqs, _, _, test_rows = proteins
        whole = os.path.join(a.out, "test_whole.fasta")
        limit = m["model"]["config"]["max_positions"] - 2
        with open(whole, "w") as f:
            for i in test_rows:
                if 0 < len(seqs[i]) <= limit:
                    f.write(f">{i}\n{seqs[i]}\n")
        per_protein = os.path.join(a.out, "test_scores.csv")
        run([hf, "protein", "score", "--model", plm, "--input", whole, "--out", per_protein, "--no-progress"]
            + threads)
        if len(pd.read_csv(per_protein).query("status == 'ok'")) > 0:
            results.update(paired_vs_unigram(proteins, m["model"]["config"]["max_positions"], per_protein))

    # zero-shot mutation effects on TEM-1
    scores = os.path.join(a.out, "tem1_llr.csv")
    results["dms_seconds"] = run([hf, "protein", "score", "--model", plm,
                                  "--wild-type", os.path.join(dms_dir, "P62593.fasta.gz"),
                                  "--mutations", os.path.join(dms_dir, "BLAT_ECOLX_Ranganathan2015.csv.gz"),
                                  "--out", scores, "--no-progress"] + threads)
    dms = pd.read_csv(os.path.join(dms_dir, "BLAT_ECOLX_Ranganathan2015.csv.gz"), encoding="utf-8-sig")
    llr = pd.read_csv(scores)
    joined = dms[["mutant", "2500"]].merge(llr[llr.status == "ok"][["mutant", "log_likelihood_ratio"]], on="mutant")
    results["dms_mutants_scored"] = int(len(joined))
    results["dms_spearman"] = float(joined["2500"].corr(joined["log_likelihood_ratio"], method="spearman"))

    # composition of samples vs natural test sequences
    sample_path = os.path.join(a.out, "samples.fasta")
    longest = min(500, m["model"]["config"]["max_positions"] - 2)  # residues the model can write
    run([hf, "protein", "sample", "--model", plm, "--n", str(a.samples), "--min-length", "50",
         "--max-length", str(longest),
         "--out", sample_path, "--no-progress", "--seed", "1"] + threads)
    sampled = read_fasta(sample_path)
    natural = read_fasta(os.path.join(flip, "secondary_structure", "sequences.fasta.gz"))
    cs, cn = composition(sampled), composition(natural)
    results["composition_l1"] = sum(abs(cs[x] - cn[x]) for x in AMINO)
    results["sample_mean_length"] = sum(map(len, sampled)) / len(sampled)
    results["natural_mean_length"] = sum(map(len, natural)) / len(natural)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(8, 3))
        xs = range(len(AMINO))
        ax.bar([x - 0.2 for x in xs], [cn[c] for c in AMINO], width=0.4, label="natural (FLIP)")
        ax.bar([x + 0.2 for x in xs], [cs[c] for c in AMINO], width=0.4, label=f"sampled (n={len(sampled)})")
        ax.set_xticks(list(xs))
        ax.set_xticklabels(list(AMINO))
        ax.set_ylabel("frequency")
        ax.legend()
        fig.tight_layout()
        fig.savefig(os.path.join(a.out, "composition.png"), dpi=120)
    except ImportError:
        pass

    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    print(json.dumps(results, indent=2))
    ratio = results["test_perplexity"] / results["unigram_test_perplexity"]
    print(f"held-out perplexity {results['test_perplexity']:.3f} vs unigram {results['unigram_test_perplexity']:.3f}"
          f" (ratio {ratio:.3f}; bigram {results.get('2gram_test_perplexity', float('nan')):.3f}, trigram "
          f"{results.get('3gram_test_perplexity', float('nan')):.3f}); TEM-1 zero-shot Spearman {results['dms_spearman']:.3f} over "
          f"{results['dms_mutants_scored']} mutants; composition L1 {results['composition_l1']:.3f}")
    if "paired_proteins" in results:
        lo, hi = results["paired_ratio_ci95"]
        print(f"per protein, {results['paired_proteins']} test proteins that fit whole: the model beats the unigram "
              f"on {100 * results['paired_model_wins']:.1f} %; perplexity ratio {results['paired_ratio']:.3f} "
              f"(bootstrap 95 % interval {lo:.3f}-{hi:.3f})")


if __name__ == "__main__":
    main()
