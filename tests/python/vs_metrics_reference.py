#!/usr/bin/env python3
"""Golden values for tests/core/test_vs_metrics.cpp, computed independently of hitforge's core/vs_metrics.cpp.

Tie handling is checked by brute force: every ordering of each tie group is enumerated, and ROC-AUC, EF and
BEDROC (RDKit's rdkit.ML.Scoring.Scoring.CalcBEDROC, which ranks in input order) are averaged over the orderings.
Average precision uses sklearn's threshold definition (tied scores = one threshold), written out with numpy.

Run: /usr/bin/python3 tests/python/vs_metrics_reference.py
"""
import itertools
import math

import numpy as np
from rdkit.ML.Scoring import Scoring


def orderings(scores, labels):
    """All rankings (lists of labels, best first) consistent with the scores, ties permuted."""
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    groups = [list(g) for _, g in itertools.groupby(order, key=lambda i: scores[i])]
    for perm in itertools.product(*[list(itertools.permutations(g)) for g in groups]):
        yield [labels[i] for g in perm for i in g]


def auc_pairs(ranked):
    pos = [k for k, y in enumerate(ranked) if y]
    neg = [k for k, y in enumerate(ranked) if not y]
    return np.mean([[1.0 if p < q else 0.0 for q in neg] for p in pos])


def ef(ranked, frac):
    n = len(ranked)
    n_top = max(1, math.ceil(frac * n - 1e-9))
    return (sum(ranked[:n_top]) / n_top) / (sum(ranked) / n)


def bedroc(ranked, alpha):
    return Scoring.CalcBEDROC([[y] for y in ranked], 0, alpha)


def average_precision(scores, labels):
    s, y = np.asarray(scores, float), np.asarray(labels, int)
    ap, prev_recall = 0.0, 0.0
    for t in sorted(set(s), reverse=True):
        sel = s >= t
        tp = y[sel].sum()
        precision, recall = tp / sel.sum(), tp / y.sum()
        ap += (recall - prev_recall) * precision
        prev_recall = recall
    return ap


def report(name, scores, labels):
    ranks = list(orderings(scores, labels))
    print(f"{name}: n_orderings={len(ranks)}")
    print(f"  roc_auc  = {np.mean([auc_pairs(r) for r in ranks]):.12f}")
    print(f"  ap       = {average_precision(scores, labels):.12f}")
    for f in (0.1, 0.25, 0.5):
        print(f"  ef{f:<5}  = {np.mean([ef(r, f) for r in ranks]):.12f}")
    for a in (20.0, 5.0):
        print(f"  bedroc{a:<4} = {np.mean([bedroc(r, a) for r in ranks]):.12f}")


# Ties inside and across the classes, including a tie group straddling the 10 % and 25 % cutoffs.
report("tied", [9, 8, 8, 8, 7, 6, 6, 5, 4, 3, 3, 1], [1, 0, 1, 0, 1, 0, 1, 0, 0, 1, 0, 0])
# No ties: RDKit's functions apply directly.
report("distinct", [0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.55, 0.5, 0.4, 0.3, 0.2, 0.1],
       [1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0])
# Perfect and reversed rankings (2 actives in 10).
report("perfect", list(range(10, 0, -1)), [1, 1] + [0] * 8)
report("reversed", list(range(10, 0, -1)), [0] * 8 + [1, 1])
