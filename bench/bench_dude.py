#!/usr/bin/env python3
"""DUD-E ligand-based virtual screening: max-Tanimoto similarity to 5 known actives, on all 20 mirrored targets.

Protocol (per target, same for every target; docs/virtual-screening.md explains the metrics):
  1. Read actives_final.ism and decoys_final.ism ("SMILES id [chembl_id]" per line) from the target's folder.
  2. Queries: 5 actives drawn with random.Random(seed).sample over the actives in file order (--seeds, default 0;
     several seeds repeat the whole protocol with other draws and add a per-seed table with mean ± sd).
     They are removed from the screened set, so no query can find itself.
  3. Screened set: every remaining active (label 1) and every decoy (label 0).
  4. Score: `hitforge score` with the similarity scorer, max Tanimoto over the 5 queries on Morgan fingerprints
     (radius 2, 2048 bits, RDKit's default Morgan invariants — equal to RDKit Python's
     GetMorganFingerprintAsBitVect(mol, 2, nBits=2048)). Molecules hitforge cannot parse are reported by
     `hitforge score` as invalid and excluded by `hitforge evaluate-vs` (counted in the "unscored" column).
  5. Metrics: `hitforge evaluate-vs --score-col sim_max_ref`: ROC-AUC, EF1%, EF5% (top ⌈x·N⌉ rows, ties at the
     cutoff shared pro rata), BEDROC(α=20), PR-AUC. The mean row is the unweighted mean over targets.
Cross-check (one target, default ada): RDKit Python computes the same max-Tanimoto for every screened molecule;
the script asserts agreement with hitforge's scores (|Δ| ≤ 1e-5) and with its ROC-AUC, and prints the wall time
of both scorers (the baseline runs in the same invocation).

Usage: /usr/bin/python3 bench/bench_dude.py [--hitforge build/cli/hitforge] [--data-dir DIR] [--targets ada,comt]
       [--seeds 0,1,2] [--queries 5] [--threads 2] [--cross-check ada|none] [--workdir DIR] [--out table.md]
       [--update-docs docs/benchmarks.md]
A full run takes about a minute per seed on 2 cores.
"""
import argparse
import csv
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = os.path.join(REPO, "..", "shared", "data", "virtual_screening", "dude_20targets")
SECTION = "## Virtual screening (DUD-E)"
FINGERPRINT = "morgan:radius=2,bits=2048"


def read_ism(path):
    """[(smiles, id)] from a DUD-E .ism file (whitespace-separated SMILES, id, optional ChEMBL id)."""
    out = []
    with open(path) as f:
        for line_no, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) < 2:
                sys.exit(f"{path} line {line_no}: expected 'SMILES id', got {line.strip()!r}")
            out.append((parts[0], parts[1]))
    return out


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        sys.exit(f"command failed ({r.returncode}): {' '.join(cmd)}\n{r.stdout}")
    return r.stdout


def prepare(target, data_dir, work, n_queries, seed):
    actives = read_ism(os.path.join(data_dir, target, "actives_final.ism"))
    decoys = read_ism(os.path.join(data_dir, target, "decoys_final.ism"))
    if len(actives) <= n_queries:
        sys.exit(f"{target}: only {len(actives)} actives, need more than {n_queries}")
    picked = set(random.Random(seed).sample(range(len(actives)), n_queries))
    queries = [a for k, a in enumerate(actives) if k in picked]
    screened = [(s, i, 1) for k, (s, i) in enumerate(actives) if k not in picked] + [(s, i, 0) for s, i in decoys]
    tdir = os.path.join(work, target)
    os.makedirs(tdir, exist_ok=True)
    qpath, spath = os.path.join(tdir, "queries.smi"), os.path.join(tdir, "screen.csv")
    with open(qpath, "w") as f:
        f.writelines(f"{s} {i}\n" for s, i in queries)
    with open(spath, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["smiles", "id", "active"])
        w.writerows(screened)
    return tdir, qpath, spath, queries, screened


def rdkit_max_tanimoto(queries, screened):
    """Independent scores: RDKit Python Morgan r2/2048 bit vectors, max BulkTanimotoSimilarity. None = unparsable."""
    from rdkit import Chem, DataStructs, RDLogger
    from rdkit.Chem import AllChem

    RDLogger.DisableLog("rdApp.*")

    def fp(smi):
        m = Chem.MolFromSmiles(smi)
        return None if m is None else AllChem.GetMorganFingerprintAsBitVect(m, 2, nBits=2048)

    qfps = [fp(s) for s, _ in queries]
    assert all(q is not None for q in qfps), "a query failed to parse in RDKit"
    out = []
    for s, _, _ in screened:
        f = fp(s)
        out.append(None if f is None else max(DataStructs.BulkTanimotoSimilarity(f, qfps)))
    return out


def roc_auc(scores, labels):
    """Mann–Whitney ROC-AUC with average ranks for ties (independent of hitforge's implementation)."""
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    k = 0
    while k < len(order):
        end = k
        while end < len(order) and scores[order[end]] == scores[order[k]]:
            end += 1
        for j in range(k, end):
            ranks[order[j]] = (k + 1 + end) / 2
        k = end
    n_pos = sum(labels)
    n_neg = len(labels) - n_pos
    return (sum(r for r, y in zip(ranks, labels) if y) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def cross_check(target, queries, screened, scored_csv, metrics, hitforge_seconds):
    t0 = time.perf_counter()
    ref = rdkit_max_tanimoto(queries, screened)
    rdkit_seconds = time.perf_counter() - t0
    with open(scored_csv, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(screened), f"{target}: {len(rows)} scored rows for {len(screened)} inputs"
    worst, n_cmp = 0.0, 0
    for k, (row, r) in enumerate(zip(rows, ref)):
        assert row["id"] == screened[k][1], f"{target} row {k}: id {row['id']} != {screened[k][1]}"
        if r is None or row["status"] != "ok":
            assert r is None and row["status"] != "ok", \
                f"{target} row {k} ({row['id']}): RDKit {'failed' if r is None else 'parsed'}, hitforge {row['status']}"
            continue
        d = abs(float(row["sim_max_ref"]) - r)
        worst = max(worst, d)
        n_cmp += 1
        assert d <= 1e-5, f"{target} row {k} ({row['id']}): hitforge {row['sim_max_ref']} vs RDKit {r:.6f}"
    ok = [k for k, r in enumerate(ref) if r is not None]
    auc = roc_auc([ref[k] for k in ok], [screened[k][2] for k in ok])
    assert abs(auc - metrics["roc_auc"]) <= 1e-4, f"{target}: ROC-AUC RDKit {auc:.6f} vs hitforge {metrics['roc_auc']:.6f}"
    print(f"cross-check {target}: {n_cmp} max-Tanimoto scores agree with RDKit Python (max |Δ| {worst:.1e}); "
          f"ROC-AUC {auc:.4f} vs {metrics['roc_auc']:.4f}; scoring wall time hitforge {hitforge_seconds:.2f} s, "
          f"RDKit Python {rdkit_seconds:.2f} s ({rdkit_seconds / hitforge_seconds:.1f}x)")


METRICS = ("roc_auc", "ef1", "ef5", "bedroc", "pr_auc")


def mean_row(rows):
    return {k: statistics.mean(r[k] for r in rows) for k in METRICS}


def table(rows):
    lines = [
        "| target | actives | decoys | unscored | ROC-AUC | EF1% | EF5% | BEDROC(α=20) | PR-AUC |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['target']} | {r['actives']} | {r['decoys']} | {r['unscored']} | {r['roc_auc']:.3f} | "
                     f"{r['ef1']:.1f} | {r['ef5']:.1f} | {r['bedroc']:.3f} | {r['pr_auc']:.3f} |")
    if len(rows) > 1:
        m = mean_row(rows)
        lines.append(f"| **mean ({len(rows)} targets)** | {sum(r['actives'] for r in rows)} | "
                     f"{sum(r['decoys'] for r in rows)} | {sum(r['unscored'] for r in rows)} | **{m['roc_auc']:.3f}** | "
                     f"**{m['ef1']:.1f}** | **{m['ef5']:.1f}** | **{m['bedroc']:.3f}** | **{m['pr_auc']:.3f}** |")
    return "\n".join(lines)


def seed_table(by_seed):
    """Mean over targets for each seed (a different draw of queries), then mean ± sample sd over seeds."""
    lines = ["| seed | mean ROC-AUC | mean EF1% | mean EF5% | mean BEDROC(α=20) | mean PR-AUC |",
             "|---:|---:|---:|---:|---:|---:|"]
    means = {seed: mean_row(rows) for seed, rows in by_seed.items()}
    for seed, m in means.items():
        lines.append(f"| {seed} | {m['roc_auc']:.3f} | {m['ef1']:.1f} | {m['ef5']:.1f} | {m['bedroc']:.3f} | "
                     f"{m['pr_auc']:.3f} |")
    agg = {k: (statistics.mean(m[k] for m in means.values()), statistics.stdev(m[k] for m in means.values()))
           for k in METRICS}
    fmt = {"roc_auc": ".3f", "ef1": ".1f", "ef5": ".1f", "bedroc": ".3f", "pr_auc": ".3f"}
    lines.append("| **mean ± sd** | " + " | ".join(
        f"**{agg[k][0]:{fmt[k]}} ± {agg[k][1]:{fmt[k]}}**" for k in METRICS) + " |")
    return "\n".join(lines)


def section(rows, by_seed, args, command, seconds):
    caps = [(r["actives"] + r["decoys"]) / r["actives"] for r in rows]
    seeds = list(by_seed)
    spread = ""
    if len(seeds) > 1:
        spread = f"""
The same protocol with {len(seeds)} draws of the queries (seeds {", ".join(map(str, seeds))}; mean over the targets per
seed, then mean ± sample standard deviation over seeds):

{seed_table(by_seed)}
"""
    return f"""{SECTION}

Ligand-based screening baseline for `hitforge score` (similarity scorer) + `hitforge evaluate-vs` on the 20 DUD-E
targets mirrored in `../shared/data/virtual_screening/dude_20targets` (1,640 actives, 100,156 property-matched
decoys). Protocol, per target: {args.queries} actives drawn at random (`random.Random(seed).sample` over the actives
in file order) are the queries and are removed from the screened set; every remaining active and every decoy is
scored by its maximum Tanimoto similarity to the queries on Morgan fingerprints (radius 2, 2048 bits); the metrics
come from `hitforge evaluate-vs` (definitions and tie handling: [virtual-screening.md](virtual-screening.md)).
"actives" counts the screened actives (queries excluded); "unscored" counts molecules that failed to parse (excluded
from the ranking). The mean row is the unweighted mean over targets. Random ranking gives ROC-AUC 0.5, EF 1 and
BEDROC(α=20) ≈ 0.055–0.06 here. EF1% is capped at N/n_actives ({min(caps):.0f}–{max(caps):.0f} on these targets),
EF5% at ≈ 20 (N/⌈0.05·N⌉).

Read these as a baseline and a regression check, not as evidence that 2D similarity is a good screening method:
DUD-E picked its decoys to be topologically dissimilar to every active (ECFP4 Tanimoto, Mysinger et al., J. Med. Chem.
2012), and its actives come in analogue series, so fingerprint similarity to a few actives is favoured by
construction. Per-target figures also depend on which 5 actives are drawn, most on the targets with few actives.

```
{command}
```

Seed {seeds[0]}:

{table(rows)}
{spread}
Cross-check in the same run: for `{args.cross_check}` (seed {seeds[0]}), RDKit Python's
`GetMorganFingerprintAsBitVect(m, 2, 2048)` + `BulkTanimotoSimilarity` reproduce every hitforge score (|Δ| ≤ 1e-5)
and the ROC-AUC. Whole run: {seconds:.0f} s with `--threads {args.threads}` on the shared 2-core machine (Debian 12,
RDKit 2022.09). Per-target outputs (`scored.csv`, `vs_metrics.json`, `roc.svg`) are kept with `--workdir`.
"""


def update_docs(path, text):
    """Replaces (or appends) only the DUD-E section of docs/benchmarks.md, re-reading the file right before."""
    with open(path) as f:
        doc = f.read()
    start = doc.find(SECTION + "\n")
    if start < 0:
        doc = doc.rstrip("\n") + "\n\n" + text
    else:
        nxt = doc.find("\n## ", start + len(SECTION))
        doc = doc[:start] + text + ("\n" + doc[nxt + 1:] if nxt >= 0 else "")
    tmp = path + ".tmp-bench-dude"
    with open(tmp, "w") as f:
        f.write(doc)
    os.replace(tmp, path)


def run_seed(seed, targets, args, work, do_cross_check):
    scorer = json.dumps({"name": "similarity", "reference_file": "QUERIES", "fingerprint": FINGERPRINT, "mode": "max"})
    rows = []
    for target in targets:
        tdir, qpath, spath, queries, screened = prepare(target, args.data_dir, os.path.join(work, f"seed{seed}"),
                                                        args.queries, seed)
        scored, mpath = os.path.join(tdir, "scored.csv"), os.path.join(tdir, "vs_metrics.json")
        t0 = time.perf_counter()
        run([args.hitforge, "score", "--input", spath, "--smiles-col", "smiles", "--id-col", "id", "--keep-cols",
             "active", "--scorer", scorer.replace("QUERIES", qpath), "--out", scored, "--threads", str(args.threads),
             "--no-progress", "--log-level", "warn"])
        score_seconds = time.perf_counter() - t0
        summary = run([args.hitforge, "evaluate-vs", "--scores", scored, "--label-col", "active", "--score-col",
                       "sim_max_ref", "--roc-svg", os.path.join(tdir, "roc.svg"), "--out", mpath]).strip()
        with open(mpath) as f:
            m = json.load(f)
        c, mt = m["counts"], m["metrics"]
        rows.append({"target": target, "actives": c["actives"] + c["missing_score_actives"],
                     "decoys": c["decoys"] + c["missing_score_decoys"], "unscored": c["missing_score"],
                     "roc_auc": mt["roc_auc"], "ef1": mt["ef1"], "ef5": mt["ef5"], "bedroc": mt["bedroc"],
                     "pr_auc": mt["pr_auc"]})
        print(f"seed {seed} {target}: {summary}", flush=True)
        if do_cross_check and target == args.cross_check:
            cross_check(target, queries, screened, scored, mt, score_seconds)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hitforge", default=os.path.join(REPO, "build", "cli", "hitforge"))
    ap.add_argument("--data-dir", default=DEFAULT_DATA)
    ap.add_argument("--targets", default="all", help="comma-separated target folders, or 'all'")
    ap.add_argument("--seeds", default="0", help="comma-separated seeds for the query draw; the first gets the "
                    "per-target table, several add a per-seed table with mean ± sd")
    ap.add_argument("--queries", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--cross-check", default="ada", help="target to re-score with RDKit Python, or 'none'")
    ap.add_argument("--workdir", default=None, help="keep per-target files here (default: a temporary directory)")
    ap.add_argument("--out", default=None, help="also write the Markdown table(s) here")
    ap.add_argument("--update-docs", default=None, help="rewrite the DUD-E section of this Markdown file")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    if len(set(seeds)) != len(seeds):
        sys.exit(f"--seeds has duplicates: {args.seeds}")
    if not os.path.isdir(args.data_dir):
        sys.exit(f"no DUD-E data at {args.data_dir} (give --data-dir)")
    targets = sorted(d for d in os.listdir(args.data_dir) if os.path.isdir(os.path.join(args.data_dir, d)))
    if args.targets != "all":
        wanted = args.targets.split(",")
        missing = [t for t in wanted if t not in targets]
        if missing:
            sys.exit(f"unknown target(s) {missing}; available: {','.join(targets)}")
        targets = wanted
    if args.cross_check != "none" and args.cross_check not in targets:
        sys.exit(f"--cross-check {args.cross_check} is not among the targets run")
    work = args.workdir or tempfile.mkdtemp(prefix="hitforge-dude-")
    t_all = time.perf_counter()
    by_seed = {seed: run_seed(seed, targets, args, work, k == 0) for k, seed in enumerate(seeds)}
    seconds = time.perf_counter() - t_all
    rows = by_seed[seeds[0]]
    md = f"Seed {seeds[0]}:\n\n" + table(rows)
    if len(seeds) > 1 and len(rows) > 1:
        md += "\n\nMean over targets per seed:\n\n" + seed_table(by_seed)
    print()
    print(md)
    print(f"\n{len(targets)} targets x {len(seeds)} seed(s) in {seconds:.1f} s; per-target files in {work}")
    if args.out:
        with open(args.out, "w") as f:
            f.write(md + "\n")
    if args.update_docs:
        command = "/usr/bin/python3 bench/bench_dude.py --hitforge build/cli/hitforge --seeds {} --queries {} " \
                  "--threads {}{}".format(args.seeds, args.queries, args.threads,
                                          "" if args.targets == "all" else f" --targets {args.targets}")
        update_docs(args.update_docs, section(rows, by_seed, args, command + " --update-docs docs/benchmarks.md",
                                              seconds))
        print(f"updated the '{SECTION[3:]}' section of {args.update_docs}")


if __name__ == "__main__":
    main()
