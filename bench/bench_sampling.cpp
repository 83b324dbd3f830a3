// SMILES LSTM throughput against PyTorch-Python (python3-torch: the same libtorch and BLAS) in the same invocation:
//
//   sampling  hitforge SmilesLSTM::sample (incremental (h, c), finished rows leave the batch, layer 0 as a table)
//             vs the usual PyTorch loop (nn.LSTM fed one token per step with its (h, c), the whole batch until
//             every row has ended, as REINVENT's sampler does) and a tuned PyTorch loop that drops finished rows;
//             SMILES/s and tokens/s (tokens drawn, <eos> included), batch 128, max length 100;
//   training  hitforge's training step (length buckets, packed recurrence, Adam) vs the padded PyTorch baseline
//             (random batches padded to their longest member, nn.LSTM over every position, cross-entropy with
//             ignore_index=<pad>); *real* tokens/s (predicted tokens of the molecules, <eos> included).
//
// Both sides use the same weights (exported with torch::pickle_save), vocabulary, molecules, batch size, thread
// count (torch intra-op, OpenMP and OpenBLAS) and architecture (default 3 × 512, embedding 256 — the REINVENT prior).
// Without --model the weights are random (lengths of random models are near-geometric; means are printed); with
// --model PRIOR_DIR a trained prior is used for sampling.
//
// Usage: bench_sampling [--threads 1,2] [--data mini_train.smi.gz] [--n-sample 512] [--batch 128]
//                       [--max-length 100] [--train-molecules 1024] [--model PRIOR_DIR] [--skip-train]
//                       [--skip-sample] [--python /usr/bin/python3]
#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "chem/line_reader.h"
#include "chem/tokenizers/smiles_tokenizer.h"
#include "chem/tokenizers/vocabulary.h"
#include "core/blas_check.h"
#include "core/text.h"
#include "core/torch_runtime.h"
#include "datasets/dataset.h"
#include "models/smiles_lm.h"
#include "train/lm_checkpoint.h"
#include "train/token_sequences.h"

using namespace hitforge;
namespace fs = std::filesystem;

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

std::string run_capture(const std::string& cmd) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  std::string out;
  char buf[4096];
  while (p && fgets(buf, sizeof buf, p)) out += buf;
  if (p) pclose(p);
  return out;
}

// The last line of the Python output that parses as a JSON object.
nlohmann::json last_json(const std::string& out) {
  std::istringstream in(out);
  std::string l;
  nlohmann::json j;
  while (std::getline(in, l)) {
    auto p = nlohmann::json::parse(l, nullptr, false);
    if (p.is_object()) j = p;
  }
  return j;
}

const char* kPython = R"PY(
import json, sys, time, torch
cfg = json.load(open(sys.argv[1]))
torch.set_num_threads(cfg["threads"])
sd = torch.load(cfg["weights"])
V, E, H, L = cfg["vocab"], cfg["embedding_dim"], cfg["hidden"], cfg["layers"]
PAD, BOS, EOS, UNK = 0, 1, 2, 3

class Prior(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = torch.nn.Embedding(V, E, padding_idx=PAD)
        self.lstm = torch.nn.LSTM(E, H, L, batch_first=True)
        self.out = torch.nn.Linear(H, V)

m = Prior()
m.load_state_dict({k: v for k, v in sd.items()})
torch.manual_seed(0)

def sample(B, max_len):
    # the usual PyTorch sampler: the whole batch steps until every row has drawn <eos>
    x = torch.full((B, 1), BOS, dtype=torch.long)
    h = None
    done = torch.zeros(B, dtype=torch.bool)
    ll = torch.zeros(B)
    tokens = 0
    banned = torch.tensor([PAD, BOS, UNK])
    for t in range(max_len + 1):
        o, h = m.lstm(m.embedding(x), h)
        logits = m.out(o[:, 0])
        lp = torch.log_softmax(logits, 1)
        logits[:, banned] = -float("inf")
        if t == 0:
            logits[:, EOS] = -float("inf")
        nxt = torch.multinomial(torch.softmax(logits, 1), 1)
        ll += torch.where(done, torch.zeros(B), lp.gather(1, nxt)[:, 0])
        tokens += int((~done).sum())
        done = done | (nxt[:, 0] == EOS)
        if bool(done.all()):
            break
        x = nxt
    return tokens

def sample_compact(B, max_len):
    # a tuned variant: finished rows leave the batch (h and c shrink with them)
    x = torch.full((B, 1), BOS, dtype=torch.long)
    h = None
    tokens = 0
    banned = torch.tensor([PAD, BOS, UNK])
    for t in range(max_len + 1):
        o, h = m.lstm(m.embedding(x), h)
        logits = m.out(o[:, 0])
        lp = torch.log_softmax(logits, 1)
        logits[:, banned] = -float("inf")
        if t == 0:
            logits[:, EOS] = -float("inf")
        nxt = torch.multinomial(torch.softmax(logits, 1), 1)
        lp.gather(1, nxt)
        tokens += nxt.shape[0]
        keep = (nxt[:, 0] != EOS).nonzero()[:, 0]
        if keep.numel() == 0:
            break
        if keep.numel() < nxt.shape[0]:
            h = (h[0][:, keep], h[1][:, keep])
            nxt = nxt[keep]
        x = nxt
    return tokens

out = {}
if cfg["sample"]:
    with torch.no_grad():
        m.eval()
        for name, fn in (("sample", sample), ("sample_compact", sample_compact)):
            fn(cfg["batch"], cfg["max_length"])  # warm-up
            t0 = time.perf_counter(); tokens = 0
            for _ in range(cfg["n_sample"] // cfg["batch"]):
                tokens += fn(cfg["batch"], cfg["max_length"])
            dt = time.perf_counter() - t0
            out[name + "_smiles_per_s"] = cfg["n_sample"] // cfg["batch"] * cfg["batch"] / dt
            out[name + "_tokens_per_s"] = tokens / dt
if cfg["train"]:
    seqs = [list(map(int, l.split())) for l in open(cfg["sequences"])]
    m.train()
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    g = torch.Generator().manual_seed(0)
    order = torch.randperm(len(seqs), generator=g).tolist()
    B = cfg["batch"]
    batches = [order[i:i + B] for i in range(0, len(order), B)]
    def step(b):
        T = max(len(seqs[i]) for i in b)
        x = torch.full((len(b), T), PAD, dtype=torch.long)
        for r, i in enumerate(b):
            x[r, :len(seqs[i])] = torch.tensor(seqs[i])
        o, _ = m.lstm(m.embedding(x[:, :-1]))
        logits = m.out(o)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), x[:, 1:].reshape(-1), ignore_index=PAD)
        opt.zero_grad(); loss.backward(); opt.step()
        return sum(len(seqs[i]) - 1 for i in b), len(b) * (T - 1)
    step(batches[0])  # warm-up
    t0 = time.perf_counter(); real = padded = 0
    for b in batches[1:]:
        r, p = step(b); real += r; padded += p
    dt = time.perf_counter() - t0
    out["train_real_tokens_per_s"] = real / dt
    out["train_padding_fraction"] = 1 - real / padded
print(json.dumps(out))
)PY";

std::vector<int> parse_threads(const std::string& s) {
  std::vector<int> out;
  for (const auto& t : core::split_list(s)) out.push_back(std::atoi(t.c_str()));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  // As `hitforge` does before it runs hitforge-ml (cli/ml_passthrough.cpp): OpenMP and OpenBLAS must not spin-wait
  // after parallel regions, or their two pools steal the cores from each other at 2 threads. Both runtimes read
  // these at start-up, hence a re-exec; the Python baseline inherits the same environment.
  if (!std::getenv("HITFORGE_BENCH_REEXEC")) {
    ::setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
    ::setenv("OPENBLAS_THREAD_TIMEOUT", "4", 0);
    ::setenv("HITFORGE_BENCH_REEXEC", "1", 1);
    hitforge::core::choose_openblas_coretype(true);  // a CPU newer than OpenBLAS: its AVX2/AVX-512 kernels, not SSE3
    ::execv("/proc/self/exe", argv);  // on failure, carry on with the environment as it is
  }
  std::string threads_list = "1,2", data = "../shared/data/generation/chembl31_s4_subsets/mini_train.smi.gz";
  std::string py = "/usr/bin/python3", prior_dir;
  std::int64_t n_sample = 512, batch = 128, max_length = 100, train_molecules = 1024;
  std::int64_t hidden = 512, layers = 3, embedding = 256;
  bool do_train = true, do_sample = true;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--threads") threads_list = next();
    else if (a == "--data") data = next();
    else if (a == "--n-sample") n_sample = std::atoll(next().c_str());
    else if (a == "--batch") batch = std::atoll(next().c_str());
    else if (a == "--max-length") max_length = std::atoll(next().c_str());
    else if (a == "--train-molecules") train_molecules = std::atoll(next().c_str());
    else if (a == "--hidden") hidden = std::atoll(next().c_str());
    else if (a == "--layers") layers = std::atoll(next().c_str());
    else if (a == "--embedding") embedding = std::atoll(next().c_str());
    else if (a == "--model") prior_dir = next();
    else if (a == "--python") py = next();
    else if (a == "--skip-train") do_train = false;
    else if (a == "--skip-sample") do_sample = false;
    else {
      std::cerr << "unknown argument " << a << "\n";
      return 2;
    }
  }
  core::RuntimeOptions rt;
  rt.threads = 1;
  core::init_runtime(rt);

  // molecules → tokens → vocabulary (as the smiles_tokens featuriser and dataset writer do)
  std::vector<std::vector<std::string>> token_rows;
  {
    chem::LineReader reader(data);
    std::string_view line;
    while (static_cast<std::int64_t>(token_rows.size()) < train_molecules && reader.next(line)) {
      auto sp = line.find_first_of(" \t");
      std::string smi(line.substr(0, sp));
      if (smi.empty()) continue;
      token_rows.push_back(chem::tokenize(smi));
    }
  }
  std::shared_ptr<models::LanguageModel> prior;
  chem::Vocabulary vocab;
  if (!prior_dir.empty()) {
    auto loaded = train::load_language_model(prior_dir, torch::kCPU);
    prior = loaded.model;
    vocab = loaded.vocabulary;
  } else {
    vocab = chem::Vocabulary::build(token_rows);
  }
  std::vector<std::vector<std::int64_t>> bodies;
  for (const auto& row : token_rows) bodies.push_back(vocab.encode(row, false));
  const models::SpecialTokens specials;
  auto seqs = train::TokenSequences::from_bodies(bodies, specials);

  torch::manual_seed(0);
  models::SmilesLSTM net(nullptr);
  if (prior) {
    auto* lstm_model = dynamic_cast<models::SmilesLSTMModel*>(prior.get());
    if (!lstm_model) {
      std::cerr << "--model must be a smiles_lstm prior\n";
      return 2;
    }
    net = lstm_model->net();
  } else {
    net = models::SmilesLSTM(models::SmilesLSTMOptions(static_cast<std::int64_t>(vocab.size()))
                                 .embedding_dim(embedding)
                                 .hidden(hidden)
                                 .layers(layers));
  }
  const auto& opts = net->options;

  // the weights for Python, in PyTorch's names
  const fs::path tmp = fs::temp_directory_path() / ("hitforge-bench-sampling-" + std::to_string(::getpid()));
  fs::create_directories(tmp);
  auto export_weights = [&](const std::string& path) {
    c10::Dict<std::string, at::Tensor> dict;
    for (const auto& p : net->named_parameters()) dict.insert(p.key(), p.value().detach().clone());
    auto bytes = torch::pickle_save(c10::IValue(dict));
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  };
  const std::string weights = (tmp / "weights.pt").string(), sequences = (tmp / "sequences.txt").string();
  export_weights(weights);
  {
    std::ofstream out(sequences);
    for (std::size_t i = 0; i < seqs.size(); ++i) {
      auto s = seqs.sequence(i);
      for (std::size_t k = 0; k < s.size(); ++k) out << (k ? " " : "") << s[k];
      out << "\n";
    }
  }
  std::vector<std::int64_t> rows(seqs.size());
  std::iota(rows.begin(), rows.end(), 0);
  std::int64_t n_params = 0;
  for (const auto& p : net->parameters()) n_params += p.numel();
  const double random_pad = train::padding_fraction(data::make_batches(rows, static_cast<std::size_t>(batch), true, 0),
                                                    seqs.lengths());
  const double bucket_pad = train::padding_fraction(
      train::length_bucketed_batches(seqs.lengths(), static_cast<std::size_t>(batch), 0), seqs.lengths());
  std::printf("SMILES LSTM %lld x %lld (embedding %lld, vocabulary %zu, %lld parameters)%s; data %s\n",
              static_cast<long long>(opts.layers()), static_cast<long long>(opts.hidden()),
              static_cast<long long>(opts.embedding_dim()), vocab.size(),
              static_cast<long long>(n_params),
              prior ? " trained prior" : " random weights", data.c_str());
  std::printf("  %zu molecules, mean %.1f tokens; padding of random batches of %lld: %.1f%%, of length buckets: %.1f%%\n",
              seqs.size(), static_cast<double>(seqs.predicted_tokens()) / static_cast<double>(seqs.size()),
              static_cast<long long>(batch), 100 * random_pad, 100 * bucket_pad);

  for (int threads : parse_threads(threads_list)) {
    rt.threads = threads;
    core::init_runtime(rt);
    nlohmann::json cfg = {{"threads", threads},       {"weights", weights},
                          {"sequences", sequences},   {"vocab", opts.vocab_size()},
                          {"embedding_dim", opts.embedding_dim()}, {"hidden", opts.hidden()},
                          {"layers", opts.layers()},  {"batch", batch},
                          {"max_length", max_length}, {"n_sample", n_sample},
                          {"sample", do_sample},      {"train", do_train}};
    const std::string cfg_path = (tmp / "cfg.json").string();
    std::ofstream(cfg_path) << cfg.dump();
    std::ofstream(tmp / "baseline.py") << kPython;
    std::printf("\n%d thread%s\n", threads, threads > 1 ? "s" : "");
    std::fflush(stdout);

    // hitforge first, then Python (never both at once)
    double c_smiles = 0, c_tokens = 0, c_train = 0, mean_len = 0;
    if (do_sample) {
      net->eval();
      auto gen = at::make_generator<at::CPUGeneratorImpl>(0);
      net->sample(batch, max_length, 1.0, 0, 1.0, gen);  // warm-up
      std::int64_t tokens = 0, drawn = 0, complete = 0;
      double t0 = now();
      for (std::int64_t k = 0; k < n_sample / batch; ++k) {
        auto r = net->sample(batch, max_length, 1.0, 0, 1.0, gen);
        tokens += r.computed_tokens;
        for (std::size_t i = 0; i < r.sequences.size(); ++i) {
          drawn += static_cast<std::int64_t>(r.sequences[i].size());
          complete += r.complete[i] ? 1 : 0;
        }
      }
      double dt = now() - t0;
      const double n = static_cast<double>(n_sample / batch * batch);
      c_smiles = n / dt;
      c_tokens = static_cast<double>(tokens) / dt;
      mean_len = static_cast<double>(drawn) / n;
      std::printf("  sampling: mean length %.1f tokens, %.1f%% ended within %lld\n", mean_len,
                  100.0 * static_cast<double>(complete) / n, static_cast<long long>(max_length));
    }
    if (do_train) {
      models::SmilesLSTM m(std::dynamic_pointer_cast<models::SmilesLSTMImpl>(net->clone()));
      m->train();
      torch::optim::Adam opt(m->parameters(), torch::optim::AdamOptions(1e-3));
      auto batches = train::length_bucketed_batches(seqs.lengths(), static_cast<std::size_t>(batch), 0);
      auto step = [&](const std::vector<std::int64_t>& b) {
        auto tb = seqs.batch(b);
        const std::int64_t n_tok = tb.lengths.sum().item<std::int64_t>() - static_cast<std::int64_t>(b.size());
        opt.zero_grad();
        auto loss = m->sequence_nll(tb.tokens, tb.lengths).sum() / static_cast<double>(n_tok);
        loss.backward();
        opt.step();
        return n_tok;
      };
      step(batches[0]);  // warm-up
      std::int64_t real = 0;
      double t0 = now();
      for (std::size_t k = 1; k < batches.size(); ++k) real += step(batches[k]);
      c_train = static_cast<double>(real) / (now() - t0);
    }
    auto py_out = run_capture("OMP_NUM_THREADS=" + std::to_string(threads) + " OPENBLAS_NUM_THREADS=" +
                              std::to_string(threads) + " " + py + " " + (tmp / "baseline.py").string() + " " + cfg_path);
    auto pj = last_json(py_out);
    if (pj.empty()) std::printf("  (Python baseline failed: %s)\n", py_out.c_str());
    auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
    if (do_sample) {
      const double p_smiles = pj.value("sample_smiles_per_s", 0.0), p_tokens = pj.value("sample_tokens_per_s", 0.0);
      std::printf("  sampling, batch %lld, max length %lld\n", static_cast<long long>(batch),
                  static_cast<long long>(max_length));
      const double q_smiles = pj.value("sample_compact_smiles_per_s", 0.0),
                   q_tokens = pj.value("sample_compact_tokens_per_s", 0.0);
      std::printf("    PyTorch-Python, whole batch until all end   %9.1f SMILES/s %9.0f tokens/s\n", p_smiles, p_tokens);
      std::printf("    PyTorch-Python, finished rows dropped       %9.1f SMILES/s %9.0f tokens/s\n", q_smiles, q_tokens);
      std::printf("    hitforge SmilesLSTM::sample                 %9.1f SMILES/s %9.0f tokens/s   %.2fx / %.2fx "
                  "(%.2fx / %.2fx the tuned one)\n",
                  c_smiles, c_tokens, ratio(c_smiles, p_smiles), ratio(c_tokens, p_tokens), ratio(c_smiles, q_smiles),
                  ratio(c_tokens, q_tokens));
    }
    if (do_train) {
      const double p_train = pj.value("train_real_tokens_per_s", 0.0);
      std::printf("  training, batch %lld, %zu molecules (1 warm-up batch)\n", static_cast<long long>(batch), seqs.size());
      std::printf("    PyTorch-Python padded (%.0f%% padding)    %9.0f real tokens/s\n",
                  100 * pj.value("train_padding_fraction", 0.0), p_train);
      std::printf("    hitforge buckets + packed recurrence     %9.0f real tokens/s   %.2fx Python\n", c_train,
                  ratio(c_train, p_train));
    }
    std::fflush(stdout);
  }
  std::error_code ec;
  fs::remove_all(tmp, ec);
  return 0;
}
