#!/usr/bin/env python3
"""Benchmark of `hitforge serve` on loopback with Debian's `wrk`, against baselines run in the same invocation.

  1. POST /v1/predict, one molecule, fingerprint-MLP model: latency percentiles at concurrency 1 and requests/s at
     concurrency 16 (targets: p50 <= 1 ms, p99 <= 5 ms; >= 2,000 req/s). Baseline: GET /healthz on the same server
     (the HTTP stack alone), so the ratio shows what scoring adds.
  2. A campaign's throughput against `hitforge screen` in-process with the same recipe and library (target >= 80%).

Usage: bench/bench_serve.py --hitforge build/cli/hitforge [--duration 10] [--library FILE] [--threads 2]
The model is a fingerprint MLP trained here on tests/data/nci_tpsa_600.csv (Morgan r2, 2048 bits).
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_common import free_port  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stdout}")
    return r.stdout


def call(base, method, path, body=None):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body else None,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.load(r)


def wrk(url, lua, threads, conns, duration):
    out = run(["wrk", "-t", str(threads), "-c", str(conns), "-d", f"{duration}s", "--latency", "-s", lua, url])
    lat = {}
    for p, v, unit in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M):
        lat[p] = float(v) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {"p50_ms": lat.get("50"), "p99_ms": lat.get("99"), "rps": rps,
            "non2xx": int(non2xx.group(1)) if non2xx else 0, "socket_errors": errors.group(0) if errors else ""}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--hitforge", default=os.path.join(REPO, "build", "cli", "hitforge"))
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--library", default="/usr/share/RDKit/Data/NCI/first_5K.smi")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    hf = os.path.abspath(args.hitforge)
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as work:
        h5 = os.path.join(work, "tpsa.h5")
        models = os.path.join(work, "models")
        os.makedirs(models)
        fixture = os.path.join(REPO, "tests", "data", "nci_tpsa_600.csv")
        run([hf, "dataset", "build", fixture, "--targets", "tpsa", "--featurizer", "morgan:radius=2,bits=2048",
             "--out", h5, "--log-level", "warn"])
        run([hf, "dataset", "split", h5, "--method", "random", "--seed", "0", "--name", "r", "--log-level", "warn"])
        run([hf, "train", "--data", h5, "--split", "r", "--model", "fp_mlp", "--epochs", "5", "--no-plots",
             "--no-progress", "--log-level", "warn", "--out", os.path.join(models, "tpsa")])
        run([hf, "serve", "--model-dir", models, "--pin-models"])

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = open(os.path.join(work, "server.log"), "w")
        srv = subprocess.Popen([hf, "serve", "--model-dir", models, "--store", os.path.join(work, "c.db"),
                                "--port", str(port), "--threads", str(args.threads), "--log-level", "warn"],
                               stdout=log, stderr=subprocess.STDOUT)
        try:
            for _ in range(600):
                try:
                    urllib.request.urlopen(base + "/readyz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            lua = os.path.join(work, "predict.lua")
            with open(lua, "w") as f:
                f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                        'wrk.body = \'{"model": "tpsa", "smiles": ["CC(=O)Oc1ccccc1C(=O)O"]}\'\n')
            get_lua = os.path.join(work, "get.lua")
            with open(get_lua, "w") as f:
                f.write('wrk.method = "GET"\n')
            call(base, "POST", "/v1/predict", {"model": "tpsa", "smiles": ["CCO"]})  # warm-up
            d = args.duration
            rows = [("GET /healthz (HTTP only), c=1", wrk(base + "/healthz", get_lua, 1, 1, d)),
                    ("POST /v1/predict 1 molecule, c=1", wrk(base + "/v1/predict", lua, 1, 1, d)),
                    ("GET /healthz (HTTP only), c=16", wrk(base + "/healthz", get_lua, 2, 16, d)),
                    ("POST /v1/predict 1 molecule, c=16", wrk(base + "/v1/predict", lua, 2, 16, d))]
            print(f"{'':40s} {'p50 ms':>8s} {'p99 ms':>8s} {'req/s':>9s}  non-2xx")
            for name, r in rows:
                print(f"{name:40s} {r['p50_ms']:8.3f} {r['p99_ms']:8.3f} {r['rps']:9.0f}  {r['non2xx']} {r['socket_errors']}")
            c1, c16 = rows[1][1], rows[3][1]
            print(f"targets: p50 {c1['p50_ms']:.3f} ms (<= 1), p99 {c1['p99_ms']:.3f} ms (<= 5), "
                  f"{c16['rps']:.0f} req/s at c=16 (>= 2000); predict/healthz req/s at c=16: "
                  f"{c16['rps'] / rows[2][1]['rps']:.2f}")

            # Campaign vs in-process screen, same recipe and library.
            recipe = {"filters": [{"scorer": "pains", "max": 0}],
                      "components": [{"scorer": "qed"},
                                     {"model": "tpsa", "target": "tpsa",
                                      "transform": {"type": "double_sigmoid", "low": 20, "high": 90}}]}
            smiles = [l.split()[0] for l in open(args.library) if l.strip()]
            t0 = time.monotonic()
            cid = call(base, "POST", "/v1/campaigns", {"recipe": recipe, "smiles": smiles, "top_k": 100})["id"]
            while call(base, "GET", f"/v1/campaigns/{cid}")["state"] in ("queued", "running"):
                time.sleep(0.05)
            campaign_s = time.monotonic() - t0
        finally:
            srv.send_signal(signal.SIGTERM)
            srv.wait(timeout=60)
        screen_recipe = json.loads(json.dumps(recipe))
        screen_recipe["components"][1]["model"] = os.path.join(models, "tpsa")
        rf = os.path.join(work, "recipe.json")
        with open(rf, "w") as f:
            json.dump(screen_recipe, f)
        lib = os.path.join(work, "lib.smi")
        with open(lib, "w") as f:
            f.write("\n".join(smiles) + "\n")
        t0 = time.monotonic()
        run([hf, "screen", "--library", lib, "--recipe", rf, "--top-k", "100", "--out", os.path.join(work, "top.csv"),
             "--no-progress", "--no-plots", "--log-level", "warn", "--threads", str(args.threads)])
        screen_s = time.monotonic() - t0
        n = len(smiles)
        print(f"campaign of {n} molecules: {n / campaign_s:.0f} mol/s (submit to done, incl. upload and storage); "
              f"hitforge screen: {n / screen_s:.0f} mol/s (incl. process start); ratio {screen_s / campaign_s:.2f} "
              "(target >= 0.80)")


if __name__ == "__main__":
    main()
