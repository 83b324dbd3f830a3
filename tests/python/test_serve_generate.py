#!/usr/bin/env python3
"""End-to-end tests of `hitforge serve` for generation, worker threading and work kept off the I/O threads.

Covers: a tiny SMILES-LSTM prior trained here and pinned next to a property model: GET /v1/models lists it with kind
"generator"; POST /v1/generate answers n SMILES with valid / log_likelihood, the same seed gives the same SMILES,
"unique" gives distinct ones, bad options (n too big, temperature <= 0, unknown or non-generator model, ...) are 400,
a generator cannot be used by /v1/predict or a recipe; 401 without the token; per-route metrics. With --workers 2,
concurrent /v1/predict answers equal the single-worker answers and concurrent /v1/generate with one seed gives
identical SMILES. With a busy worker and --queue 1, depictions and campaign uploads (JSON and multipart) go through
the bounded worker queue: 503 queue_full + Retry-After, or their normal answer.

Run by CTest with HITFORGE_BIN set (the `hitforge` executable; `serve` runs in hitforge-ml next to it).
"""
import json
import os
import sys
import tempfile
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_serve import BIN, DATA, SERVERS, Server, run  # noqa: E402  (shared server harness)

DEADLINE = time.monotonic() + 840


def parallel(fns, timeout=120):
    out = [None] * len(fns)

    def call(i):
        out[i] = fns[i]()

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(fns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    assert all(o is not None for o in out), "a request did not finish"
    return out


def multipart(fields, files):
    boundary = "----hitforge" + uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content) in files.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                     f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def main():
    with tempfile.TemporaryDirectory(prefix="hitforge-serve-gen-") as work:
        fixture = os.path.join(DATA, "nci_tpsa_600.csv")
        models = os.path.join(work, "models")
        os.makedirs(models)
        # ---- a tiny prior and a tiny property model, pinned ----
        tok = os.path.join(work, "tok.h5")
        run("dataset", "build", fixture, "--featurizer", "smiles_tokens", "--out", tok, "--log-level", "warn",
            "--no-progress")
        cfg = os.path.join(work, "cfg.json")
        with open(cfg, "w") as f:
            json.dump({"embedding_dim": 16, "hidden": 48, "layers": 2}, f)
        run("train", "--data", tok, "--model", "smiles_lstm", "--config", cfg, "--epochs", "2", "--batch-size", "32",
            "--lr", "0.01", "--grad-clip", "5", "--threads", "1", "--no-progress", "--log-level", "warn",
            "--out", os.path.join(models, "prior"))
        h5 = os.path.join(work, "tpsa.h5")
        run("dataset", "build", fixture, "--targets", "tpsa", "--featurizer", "morgan:bits=512", "--out", h5,
            "--log-level", "warn", "--no-progress")
        run("dataset", "split", h5, "--method", "random", "--seed", "0", "--name", "r", "--log-level", "warn")
        run("train", "--data", h5, "--split", "r", "--model", "fp_mlp", "--epochs", "3", "--no-plots",
            "--no-progress", "--log-level", "warn", "--threads", "1", "--out", os.path.join(models, "tpsa"))
        out = run("serve", "--model-dir", models, "--pin-models")
        assert "pinned 2 model" in out, out
        with open(os.path.join(models, "manifest.json")) as f:
            pins = {m["name"]: m for m in json.load(f)["models"]}
        assert set(pins) == {"prior", "tpsa"}, pins

        with open(fixture) as f:
            smiles = [line.split(",")[0] for line in f.read().splitlines()[1:] if line.strip()]
        assert len(smiles) >= 300, len(smiles)

        # ---- one worker, token: generation API ----
        srv = Server(work, models, os.path.join(work, "a.db"), "--threads", "1", "--workers", "1",
                     token_file=os.path.join(work, "token"), name="one")
        listed = {m["name"]: m for m in srv.json("GET", "/v1/models")["models"]}
        assert listed["prior"]["kind"] == "generator", listed["prior"]
        assert listed["prior"]["model"] == "smiles_lstm", listed["prior"]
        assert listed["prior"]["sha256"] == pins["prior"]["sha256"]
        assert listed["tpsa"]["kind"] == "predictor", listed["tpsa"]
        spec = srv.json("GET", "/openapi.json")
        assert "post" in spec["paths"]["/v1/generate"], spec["paths"].keys()
        status, body, headers = srv.request("POST", "/v1/generate", {"model": "prior", "n": 2}, token=False)
        assert status == 401 and json.loads(body)["error"]["code"] == "unauthorized", (status, body)

        req = {"model": "prior", "n": 40, "seed": 7, "temperature": 1.0, "max_length": 80}
        g1 = srv.json("POST", "/v1/generate", req)
        assert g1["model"] == "prior" and g1["sha256"] == pins["prior"]["sha256"] and g1["seed"] == 7, g1
        assert g1["n"] == 40 and len(g1["results"]) == 40, (g1["n"], len(g1["results"]))
        assert isinstance(g1["valid_fraction"], float) and 0.0 <= g1["valid_fraction"] <= 1.0, g1["valid_fraction"]
        n_valid = 0
        for r in g1["results"]:
            assert isinstance(r["smiles"], str) and isinstance(r["valid"], bool), r
            assert isinstance(r["log_likelihood"], float) and r["log_likelihood"] <= 0.0, r
            assert (r["canonical_smiles"] is not None) == r["valid"], r
            assert r["complete"] or not r["valid"], r
            n_valid += r["valid"]
        assert abs(g1["valid_fraction"] - n_valid / 40) < 1e-12, (g1["valid_fraction"], n_valid)
        g2 = srv.json("POST", "/v1/generate", req)
        assert g2["results"] == g1["results"], "the same seed gave different SMILES"
        g3 = srv.json("POST", "/v1/generate", dict(req, seed=8))
        assert [r["smiles"] for r in g3["results"]] != [r["smiles"] for r in g1["results"]], "seed ignored"
        unseeded = srv.json("POST", "/v1/generate", {"model": "prior", "n": 3})
        assert isinstance(unseeded["seed"], int) and len(unseeded["results"]) == 3, unseeded
        again = srv.json("POST", "/v1/generate", {"model": "prior", "n": 3, "seed": unseeded["seed"]})
        assert again["results"] == unseeded["results"], "the reported seed does not reproduce the answer"
        uq = srv.json("POST", "/v1/generate", {"model": "prior", "n": 30, "seed": 1, "unique": True})
        keys = [r["canonical_smiles"] if r["valid"] else r["smiles"] for r in uq["results"]]
        assert len(keys) == len(set(keys)) and 1 <= len(keys) <= 30, keys
        assert uq["sampled"] >= len(keys), uq["sampled"]
        short = srv.json("POST", "/v1/generate", {"model": "prior", "n": 10, "seed": 3, "max_length": 2})
        assert any(not r["complete"] for r in short["results"]), short["results"]  # cut at 2 tokens
        print(f"ok: generate: 40 SMILES, {n_valid} valid, deterministic with a seed, unique, max_length")

        bad = [
            ({"model": "prior", "n": 1001}, "invalid_request"),
            ({"model": "prior", "n": 0}, "invalid_request"),
            ({"model": "prior", "n": "10"}, "invalid_request"),
            ({"model": "prior", "temperature": 0}, "invalid_request"),
            ({"model": "prior", "temperature": -1.5}, "invalid_request"),
            ({"model": "prior", "top_p": 0}, "invalid_request"),
            ({"model": "prior", "top_p": 1.5}, "invalid_request"),
            ({"model": "prior", "top_k": -1}, "invalid_request"),
            ({"model": "prior", "max_length": 0}, "invalid_request"),
            ({"model": "prior", "max_length": 100000}, "invalid_request"),
            ({"model": "prior", "seed": -1}, "invalid_request"),
            ({"model": "prior", "unique": "yes"}, "invalid_request"),
            ({"model": "prior", "deadline_ms": 0}, "invalid_request"),
            ({"model": "nope"}, "unknown_model"),
            ({"model": "tpsa"}, "unknown_model"),
            ({"n": 5}, "invalid_request"),
            ([1, 2], "invalid_request"),
        ]
        for body, code in bad:
            status, data, _ = srv.request("POST", "/v1/generate", body)
            assert status == 400, (body, status, data)
            err = json.loads(data)["error"]
            assert err["code"] == code and err["message"], (body, err)
            assert work not in err["message"], err  # no server paths
        status, data, _ = srv.request("POST", "/v1/predict", {"model": "prior", "smiles": ["CCO"]})
        assert status == 404 and "generator" in json.loads(data)["error"]["message"], (status, data)
        status, data, _ = srv.request("POST", "/v1/score", {"recipe": {"components": [{"model": "prior"}]},
                                                              "smiles": ["CCO"]})
        assert status == 400 and "generator" in json.loads(data)["error"]["message"], (status, data)
        metrics = srv.request("GET", "/metrics")[1].decode()
        assert 'hitforge_http_requests_total{route="/v1/generate",method="POST",status="200"}' in metrics, metrics
        assert 'hitforge_http_requests_total{route="/v1/generate",method="POST",status="400"}' in metrics

        # single-worker reference predictions, one molecule list per request
        batches = [smiles[i:i + 25] for i in range(0, 300, 25)]
        reference = [srv.json("POST", "/v1/predict", {"model": "tpsa", "smiles": b})["results"] for b in batches]
        ref_gen = srv.json("POST", "/v1/generate", {"model": "prior", "n": 64, "seed": 11})["results"]
        assert srv.terminate() == 0
        print("ok: 400 for bad options, generators refused by predict and recipes, metrics per route")

        # ---- two workers: concurrent predictions equal the single-worker answers ----
        srv = Server(work, models, os.path.join(work, "b.db"), "--threads", "2", "--workers", "2", name="two")
        for rnd in range(3):
            order = list(range(len(batches))) * 2
            answers = parallel([lambda i=i: (i, srv.json("POST", "/v1/predict",
                                                         {"model": "tpsa", "smiles": batches[i]})["results"])
                                for i in order])
            for i, res in answers:
                assert len(res) == len(reference[i])
                for got, want in zip(res, reference[i]):
                    assert got["status"] == want["status"] and got["smiles"] == want["smiles"], (got, want)
                    for k, v in want["predictions"].items():
                        # merged batches may differ from the reference in the last float bits only
                        assert abs(got["predictions"][k] - v) <= 1e-4 * max(1.0, abs(v)), (k, got, want)
        gens = parallel([lambda: srv.json("POST", "/v1/generate", {"model": "prior", "n": 64, "seed": 11})["results"]
                         for _ in range(6)])
        for g in gens:
            assert [r["smiles"] for r in g] == [r["smiles"] for r in ref_gen], "concurrent sampling changed SMILES"
            for a, b in zip(g, ref_gen):
                assert abs(a["log_likelihood"] - b["log_likelihood"]) <= 1e-6 * max(1.0, abs(b["log_likelihood"]))
        assert srv.terminate() == 0
        print("ok: --workers 2: concurrent predictions and generations equal the single-worker answers")

        # ---- busy worker, queue of 1: depictions and uploads use the worker queue ----
        srv = Server(work, models, os.path.join(work, "c.db"), "--threads", "1", "--workers", "1", "--queue", "1",
                     name="q")
        busy = []
        hog = threading.Thread(target=lambda: busy.append(srv.request(
            "POST", "/v1/generate", {"model": "prior", "n": 1000, "unique": True, "temperature": 0.05,
                                     "max_length": 500, "seed": 5, "deadline_ms": 4000})[0]))
        # Near-greedy sampling of a tiny prior repeats itself (and runs to max_length), so "unique" keeps the only
        # worker busy up to the deadline.
        hog.start()
        time.sleep(0.3)
        recipe = json.dumps({"components": [{"scorer": "qed"}]})
        smi = "\n".join(f"{s} m{i}" for i, s in enumerate(smiles[:50])).encode()
        mp_body, mp_type = multipart({"recipe": recipe, "top_k": "10"}, {"library": ("lib.smi", smi)})

        def depict(i):
            return lambda: srv.request("GET", f"/v1/depict?smiles=C{'C' * i}O&width=100&height=100")

        def upload_mp():
            return srv.request("POST", "/v1/campaigns", mp_body, headers={"Content-Type": mp_type})

        def upload_json():
            return srv.request("POST", "/v1/campaigns", {"recipe": {"components": [{"scorer": "qed"}]},
                                                         "smiles": smiles[:20]})

        answers = parallel([depict(i) for i in range(8)] + [upload_mp, upload_json] * 3)
        hog.join(timeout=60)
        assert busy and busy[0] in (200, 503), busy
        statuses = [a[0] for a in answers]
        assert 503 in statuses, f"nothing waited for the worker queue: {statuses}"
        for status, body, headers in answers:
            if status == 503:
                assert json.loads(body)["error"]["code"] == "queue_full", body
                assert int(headers.get("Retry-After", "0")) >= 1, headers
            else:
                assert status in (200, 202), (status, body)
        # with the worker free again, both kinds succeed
        status, body, headers = depict(3)()
        assert status == 200 and body.startswith(b"<?xml") and headers["Content-Type"] == "image/svg+xml", status
        status, body, _ = upload_mp()
        assert status == 202, (status, body)
        status, body, _ = srv.request("GET", "/v1/depict?smiles=C1CC")
        assert status == 400 and json.loads(body)["error"]["code"] == "invalid_molecule", body
        assert srv.terminate() == 0
        print(f"ok: busy worker, --queue 1: depict/upload answers {sorted(statuses)}")
        assert time.monotonic() < DEADLINE
    print("ok")


if __name__ == "__main__":
    try:
        main()
    finally:
        for p in SERVERS:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=30)
