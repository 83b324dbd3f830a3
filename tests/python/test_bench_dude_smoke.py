#!/usr/bin/env python3
"""Smoke run of bench/bench_dude.py on one DUD-E target (cxcr4): hitforge score + evaluate-vs end to end, with the
script's RDKit Python cross-check of every max-Tanimoto score and the ROC-AUC. Keeps the benchmark working.

Run by CTest with HITFORGE_BIN set; skipped (exit 77) when ../shared/data has no DUD-E mirror.
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BIN = os.environ.get("HITFORGE_BIN", os.path.join(REPO, "build", "cli", "hitforge"))
DATA = os.path.join(REPO, "..", "shared", "data", "virtual_screening", "dude_20targets")

if not os.path.isfile(os.path.join(DATA, "cxcr4", "actives_final.ism")):
    print(f"skip: no DUD-E data at {DATA}")
    sys.exit(77)

with tempfile.TemporaryDirectory() as work:
    r = subprocess.run([sys.executable, os.path.join(REPO, "bench", "bench_dude.py"), "--hitforge", BIN,
                        "--data-dir", DATA, "--targets", "cxcr4", "--cross-check", "cxcr4", "--threads", "1",
                        "--workdir", work], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    print(r.stdout)
    assert r.returncode == 0, "bench_dude.py failed"
    assert "cross-check cxcr4:" in r.stdout and "agree with RDKit Python" in r.stdout
    with open(os.path.join(work, "seed0", "cxcr4", "vs_metrics.json")) as f:
        m = json.load(f)
    # 40 actives minus 5 queries; 3,406 decoys; the method must beat random by a wide margin on this set.
    assert m["counts"]["actives"] + m["counts"]["missing_score_actives"] == 35, m["counts"]
    assert m["counts"]["decoys"] + m["counts"]["missing_score_decoys"] == 3406, m["counts"]
    assert 0.7 < m["metrics"]["roc_auc"] <= 1.0, m["metrics"]
    assert m["metrics"]["ef1"] > 10, m["metrics"]
    assert os.path.getsize(os.path.join(work, "seed0", "cxcr4", "roc.svg")) > 0
print("ok")
