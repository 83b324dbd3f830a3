#!/usr/bin/env python3
"""End-to-end tests of `hitforge serve` on the built binary, over loopback only, every wait bounded.

Covers: 401 on every route of the router table (read from /openapi.json) without the token; 413 for oversized bodies
with and without Content-Length (the server answers before the body is sent); 415 for Content-Encoding; 400 for a
100,000-deep JSON document (and the server stays up); invalid molecules end `invalid` while the rest score; campaign
results equal `hitforge screen` with the same recipe; kill -9 at several points during a campaign, restart: 0 lost,
0 duplicates, results equal to an uninterrupted run; 503 + Retry-After when the queue is full; SIGTERM drains and
exits 0, and the campaign resumes at the next start.

Run by CTest with HITFORGE_BIN set (the `hitforge` executable; `serve` runs in hitforge-ml next to it).
"""
import csv
import http.client
import io
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BIN = os.environ.get("HITFORGE_BIN", os.path.join(REPO, "build", "cli", "hitforge"))
DATA = os.environ.get("HITFORGE_TEST_DATA", os.path.join(REPO, "tests", "data"))
DEADLINE = time.monotonic() + 840  # whole script; CTest's timeout is 900 s
SERVERS = []  # every server started, killed at exit even when an assertion failed


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(*args):
    r = subprocess.run([BIN, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    assert r.returncode == 0, f"hitforge {' '.join(args)} failed:\n{r.stdout}"
    return r.stdout


class Server:
    def __init__(self, work, model_dir, store, *extra, token_file=None, name="server"):
        self.port = free_port()
        self.token = None
        args = [BIN, "serve", "--model-dir", model_dir, "--store", store, "--port", str(self.port),
                "--log-level", "warn", *extra]
        if token_file:
            args += ["--token-file", token_file]
        self.log_path = os.path.join(work, f"{name}-{self.port}.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        SERVERS.append(self.proc)
        self.wait_healthy()
        if token_file:
            with open(token_file) as f:
                self.token = f.read().strip()

    def wait_healthy(self, timeout=90):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited with {self.proc.returncode}:\n{self.output()}")
            try:
                if self.request("GET", "/readyz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("server did not become ready:\n" + self.output())

    def output(self):
        self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def request(self, method, path, body=None, headers=None, token=True, timeout=60):
        h = dict(headers or {})
        if token and self.token:
            h["Authorization"] = "Bearer " + self.token
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            return r.status, data, dict(r.getheaders())
        finally:
            c.close()

    def json(self, method, path, body=None, expect=200, **kw):
        status, data, _ = self.request(method, path, body, **kw)
        assert status == expect, f"{method} {path}: {status} {data[:500]!r}"
        return json.loads(data)

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.log.close()

    def terminate(self, timeout=60):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=timeout)
        self.log.close()
        return rc


def raw_exchange(port, head, chunks=(), read_timeout=20):
    """Sends `head` (and then `chunks` while the server listens), returns the status line and body of the answer."""
    s = socket.create_connection(("127.0.0.1", port), timeout=read_timeout)
    try:
        s.sendall(head)
        for c in chunks:
            try:
                s.sendall(c)
            except (BrokenPipeError, ConnectionResetError):
                break  # the server answered and closed early: what we want to see
        data = b""
        while True:
            try:
                part = s.recv(65536)
            except ConnectionResetError:
                break
            if not part:
                break
            data += part
            if b"\r\n\r\n" in data:
                head_end = data.index(b"\r\n\r\n")
                length = [l for l in data[:head_end].split(b"\r\n") if l.lower().startswith(b"content-length:")]
                if length and len(data) >= head_end + 4 + int(length[0].split(b":")[1]):
                    break
        return data
    finally:
        s.close()


def wait_campaign(srv, cid, states=("done",), timeout=300, progress_at_least=None):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        c = srv.json("GET", f"/v1/campaigns/{cid}")
        if progress_at_least is not None and c["progress"]["done"] >= progress_at_least:
            return c
        if c["state"] in states:
            return c
        if c["state"] == "failed":
            raise AssertionError(f"campaign failed: {c}")
        time.sleep(0.05)
    raise AssertionError(f"campaign {cid} not {states} / progress {progress_at_least} in {timeout}s: {c}")


def all_results(srv, cid):
    rows, offset = [], 0
    while True:
        page = srv.json("GET", f"/v1/campaigns/{cid}/results?sort=index&limit=1000&offset={offset}")
        rows += page["results"]
        offset += len(page["results"])
        if not page["results"]:
            return rows, page["total"]


def main():
    if subprocess.run([BIN, "serve", "--help"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
        raise AssertionError("this hitforge has no serve command")
    with tempfile.TemporaryDirectory(prefix="hitforge-serve-") as work:
        # ---- a trained model, pinned ----
        fixture = os.path.join(DATA, "nci_tpsa_600.csv")
        h5 = os.path.join(work, "tpsa.h5")
        models = os.path.join(work, "models")
        os.makedirs(models)
        run("dataset", "build", fixture, "--targets", "tpsa", "--featurizer", "morgan:bits=512", "--out", h5,
            "--log-level", "warn")
        run("dataset", "split", h5, "--method", "random", "--seed", "0", "--name", "r", "--log-level", "warn")
        run("train", "--data", h5, "--split", "r", "--model", "fp_mlp", "--epochs", "3", "--no-plots",
            "--no-progress", "--log-level", "warn", "--threads", "1", "--out", os.path.join(models, "tpsa"))
        out = run("serve", "--model-dir", models, "--pin-models")
        assert "pinned 1 model" in out, out

        with open(fixture) as f:
            smiles = [row["smiles"] if "smiles" in row else list(row.values())[0] for row in csv.DictReader(f)]
        invalid = {5: "C1CC", 77: "not_a_smiles", 300: "C" * 6000, 301: "CC(C)(C)(C)(C)C"}
        library = []
        for i, s in enumerate(smiles):
            if i in invalid:
                library.append({"smiles": invalid[i], "id": f"bad{i}"})
            library.append({"smiles": s, "id": f"m{i}"})
        n = len(library)
        bad_ids = {f"bad{i}" for i in invalid}
        recipe = {
            "name": "test",
            "filters": [{"scorer": "pains", "max": 0, "label": "pains"}],
            "components": [
                {"scorer": "qed"},
                {"model": "tpsa", "target": "tpsa", "label": "tpsa_pred",
                 "transform": {"type": "double_sigmoid", "low": 20, "high": 90}},
            ],
        }

        # ---- auth, limits, hostile input ----
        store = os.path.join(work, "a.db")
        tok = os.path.join(work, "token")
        srv = Server(work, models, store, "--threads", "1", "--campaign-chunk", "16", token_file=tok)
        assert stat.S_IMODE(os.stat(tok).st_mode) == 0o600, oct(os.stat(tok).st_mode)
        spec = srv.json("GET", "/openapi.json")
        assert spec["openapi"].startswith("3."), spec["openapi"]
        routes = [(m.upper(), p) for p, ops in spec["paths"].items() for m in ops]
        for route in ["/healthz", "/readyz", "/metrics", "/openapi.json", "/v1/models", "/v1/predict", "/v1/score",
                      "/v1/generate", "/v1/depict", "/v1/campaigns", "/v1/campaigns/{id}",
                      "/v1/campaigns/{id}/results",
                      "/v1/campaigns/{id}/cancel"]:
            assert route in spec["paths"], route
        checked = 0
        for method, path in routes:
            p = path.replace("{id}", "c0000")
            status, body, headers = srv.request(method, p, body=b"{}" if method == "POST" else None, token=False)
            if path in ("/healthz", "/readyz"):
                assert status == 200, (method, path, status)
                continue
            assert status == 401, (method, path, status, body)
            assert json.loads(body)["error"]["code"] == "unauthorized"
            assert headers.get("WWW-Authenticate") == "Bearer"
            status, _, _ = srv.request(method, p, body=b"{}" if method == "POST" else None, token=False,
                                       headers={"Authorization": "Bearer wrong" + srv.token[5:]})
            assert status == 401, (method, path, status)
            checked += 1
        assert checked >= 9, checked
        print(f"ok: 401 without/with a wrong token on {checked} routes; /healthz, /readyz public")

        auth = f"Authorization: Bearer {srv.token}\r\n".encode()
        # Content-Length over the limit: answered from the headers alone (no body byte is ever sent).
        r = raw_exchange(srv.port, b"POST /v1/score HTTP/1.1\r\nHost: x\r\n" + auth +
                         b"Content-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n")
        assert r.startswith(b"HTTP/1.1 413"), r[:200]
        assert b'"body_too_large"' in r, r
        # Chunked, no Content-Length: refused once the running total passes the limit (1 MiB for JSON routes).
        chunk = b"a" * 65536
        chunks = [b"%x\r\n" % len(chunk) + chunk + b"\r\n" for _ in range(64)]  # 4 MiB offered
        r = raw_exchange(srv.port, b"POST /v1/score HTTP/1.1\r\nHost: x\r\n" + auth +
                         b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", chunks)
        assert r.startswith(b"HTTP/1.1 413"), r[:200]
        r = raw_exchange(srv.port, b"POST /v1/score HTTP/1.1\r\nHost: x\r\n" + auth +
                         b"Content-Encoding: gzip\r\nContent-Length: 10\r\n\r\n0123456789")
        assert r.startswith(b"HTTP/1.1 415"), r[:200]
        r = raw_exchange(srv.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40000 + b"\r\n\r\n")
        assert r.startswith(b"HTTP/1.1 431"), r[:200]
        deep = b"[" * 100000 + b"]" * 100000
        for path in ("/v1/score", "/v1/predict", "/v1/campaigns"):
            status, body, _ = srv.request("POST", path, deep, headers={"Content-Type": "application/json"})
            assert status == 400, (path, status, body[:200])
            assert json.loads(body)["error"]["code"] == "json_too_deep", body
        status, body, _ = srv.request("POST", "/v1/score", b'{"recipe": ', headers={"Content-Type": "application/json"})
        assert status == 400 and json.loads(body)["error"]["code"] == "invalid_json", body
        # Recipes may not name files on the server, nor models outside the manifest; messages carry no paths.
        for bad in ({"components": [{"scorer": {"name": "similarity", "reference_file": "/etc/passwd"}}]},
                    {"components": [{"model": "../models/tpsa"}]},
                    {"components": [{"scorer": {"name": "sa", "fpscores": "/etc/passwd"}}]}):
            status, body, _ = srv.request("POST", "/v1/score", {"recipe": bad, "smiles": ["CCO"]})
            assert status == 400, (bad, status, body)
            assert work.encode() not in body, body
        assert srv.request("GET", "/healthz")[0] == 200
        print("ok: 413 (Content-Length and chunked), 415, 431, 400 for 100,000-deep JSON, path-free recipes")

        # ---- synchronous routes ----
        m = srv.json("GET", "/v1/models")["models"]
        assert [x["name"] for x in m] == ["tpsa"] and len(m[0]["sha256"]) == 64 and "dir" not in m[0], m
        p = srv.json("POST", "/v1/predict", {"model": "tpsa", "smiles": ["CCO", "C1CC", "c1ccccc1O"]})["results"]
        assert [x["status"] for x in p] == ["ok", "invalid", "ok"], p
        assert isinstance(p[0]["predictions"]["tpsa"], float) and p[1]["reason"], p
        sc = srv.json("POST", "/v1/score", {"recipe": recipe, "smiles": ["CCO", "C1CC"]})["results"]
        assert sc[0]["status"] in ("ok", "filtered") and sc[1]["status"] == "invalid", sc
        status, body, _ = srv.request("POST", "/v1/predict", {"model": "tpsa", "smiles": ["C"] * 101})
        assert status == 413, status
        metrics = srv.request("GET", "/metrics")[1].decode()
        assert 'hitforge_http_requests_total{route="/v1/predict",method="POST",status="200"}' in metrics
        assert 'hitforge_molecules_scored_total{origin="sync",status="invalid"}' in metrics
        assert "hitforge_queue_depth 0" in metrics and 'hitforge_campaigns{state="running"}' in metrics
        print("ok: /v1/models, /v1/predict, /v1/score, /metrics")

        # ---- a campaign with invalid records, uninterrupted: the reference ----
        sub = srv.json("POST", "/v1/campaigns", {"name": "ref", "recipe": recipe, "top_k": 50, "molecules": library},
                       expect=202)
        ref_id = sub["id"]
        c = wait_campaign(srv, ref_id)
        assert c["progress"]["done"] == n and sum(c["counts"].values()) == n, c
        assert c["counts"]["invalid"] == len(invalid), c
        ref_rows, total = all_results(srv, ref_id)
        assert total == n and len(ref_rows) == n
        for row in ref_rows:
            if row["id"] in bad_ids:
                assert row["status"] == "invalid" and row["reason"], row
            else:
                assert row["status"] in ("ok", "filtered"), row
        assert sum(r["status"] == "ok" for r in ref_rows) > n // 2
        top = srv.json("GET", f"/v1/campaigns/{ref_id}/results?status=ok")
        assert top["total"] == 50 and [r["rank"] for r in top["results"]] == list(range(1, 51))
        assert all(a["score"] >= b["score"] for a, b in zip(top["results"], top["results"][1:]))
        status, body, headers = srv.request("GET", f"/v1/campaigns/{ref_id}/results?format=csv&status=ok")
        assert status == 200 and headers["Content-Type"].startswith("text/csv")
        csv_rows = list(csv.DictReader(io.StringIO(body.decode())))
        assert len(csv_rows) == 50 and csv_rows[0]["rank"] == "1" and "d_tpsa_pred" in csv_rows[0], csv_rows[0]
        print(f"ok: campaign of {n} records, {len(invalid)} invalid, top-50 JSON and CSV")

        # Same recipe through `hitforge screen` (model by path there): the same statuses and scores.
        recipe_file = os.path.join(work, "recipe.json")
        screen_recipe = json.loads(json.dumps(recipe))
        screen_recipe["components"][1]["model"] = os.path.join(models, "tpsa")
        with open(recipe_file, "w") as f:
            json.dump(screen_recipe, f)
        lib_smi = os.path.join(work, "library.smi")
        with open(lib_smi, "w") as f:
            for rec in library:
                f.write(f"{rec['smiles']} {rec['id']}\n")
        run("screen", "--library", lib_smi, "--recipe", recipe_file, "--out", os.path.join(work, "screen.csv"),
            "--no-progress", "--no-plots", "--log-level", "warn", "--threads", "1")
        with open(os.path.join(work, "screen.csv")) as f:
            screen_rows = list(csv.DictReader(f))
        assert len(screen_rows) == n
        for a, b in zip(screen_rows, ref_rows):
            assert a["id"] == b["id"] and a["status"] == b["status"], (a, b)
            if a["status"] == "ok":
                assert abs(float(a["score"]) - b["score"]) <= 1e-5, (a["score"], b["score"])
        print("ok: campaign results equal hitforge screen's with the same recipe")
        assert srv.terminate() == 0

        # ---- kill -9 at several points, restart: 0 lost, 0 duplicates, equal results ----
        store_b = os.path.join(work, "b.db")
        srv = Server(work, models, store_b, "--threads", "1", "--campaign-chunk", "16", name="k")
        cid = srv.json("POST", "/v1/campaigns", {"name": "kill", "recipe": recipe, "top_k": 50,
                                                 "molecules": library}, expect=202)["id"]
        srv.kill9()  # immediately after the 202: the campaign must exist, durably
        kills, alive = 1, False
        for fraction in (0.15, 0.45, 0.8):
            srv = Server(work, models, store_b, "--threads", "1", "--campaign-chunk", "16", name="k")
            c = wait_campaign(srv, cid, progress_at_least=int(n * fraction), states=("done",))
            if c["state"] == "done":
                # a fast machine may finish the rest between two polls: no later kill point exists
                alive = True
                break
            srv.kill9()
            kills += 1
        assert kills >= 2, "the campaign finished before any mid-run kill; make the library bigger"
        if not alive:
            srv = Server(work, models, store_b, "--threads", "1", "--campaign-chunk", "16", name="k")
        c = wait_campaign(srv, cid)
        rows, total = all_results(srv, cid)
        assert total == n and len(rows) == n, (total, len(rows))
        assert [r["index"] for r in rows] == list(range(n)), "lost or duplicated records"
        assert c["progress"]["done"] == n and sum(c["counts"].values()) == n, c
        for a, b in zip(rows, ref_rows):
            assert a == b, (a, b)
        print(f"ok: {kills} x kill -9 during a campaign, restarted: {n} records, 0 lost, 0 duplicates, "
              "equal to the uninterrupted run")

        # ---- SIGTERM drains and exits 0; the campaign resumes at the next start ----
        cid2 = srv.json("POST", "/v1/campaigns", {"name": "term", "recipe": recipe, "molecules": library * 2},
                        expect=202)["id"]
        before = wait_campaign(srv, cid2, progress_at_least=64)["progress"]["done"]
        t0 = time.monotonic()
        rc = srv.terminate()
        assert rc == 0, f"SIGTERM exit code {rc}:\n{srv.output()}"
        drain_s = time.monotonic() - t0
        srv = Server(work, models, store_b, "--threads", "1", "--campaign-chunk", "16", name="k2")
        c = srv.json("GET", f"/v1/campaigns/{cid2}")
        assert c["progress"]["done"] >= before, (c, before)
        c = wait_campaign(srv, cid2)
        rows, total = all_results(srv, cid2)
        assert total == 2 * n and [r["index"] for r in rows] == list(range(2 * n))
        print(f"ok: SIGTERM drained in {drain_s:.2f} s with exit 0; the campaign resumed to {2 * n} records")
        assert srv.terminate() == 0

        # ---- queue full: 503 with Retry-After ----
        srv = Server(work, models, os.path.join(work, "q.db"), "--threads", "1", "--workers", "1", "--queue", "1",
                     name="q")
        answers = []
        lock = threading.Lock()

        def one(i):
            # Distinct recipes: no two requests can be merged into one batch.
            rcp = {"components": [{"scorer": "qed", "weight": 1 + i}, {"scorer": "sa", "weight": 1},
                                  {"scorer": "pains"}]}
            status, body, headers = srv.request("POST", "/v1/score", {"recipe": rcp, "smiles": smiles[:100]})
            with lock:
                answers.append((status, headers.get("Retry-After"), body))

        threads = [threading.Thread(target=one, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        statuses = sorted(a[0] for a in answers)
        assert len(answers) == 16, statuses
        assert 503 in statuses and 200 in statuses and set(statuses) <= {200, 503}, statuses
        for status, retry, body in answers:
            if status == 503:
                assert retry is not None and int(retry) >= 1, (retry, body)
                assert json.loads(body)["error"]["code"] == "queue_full", body
        print(f"ok: queue full -> {statuses.count(503)} x 503 with Retry-After, {statuses.count(200)} x 200")
        assert srv.terminate() == 0
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
