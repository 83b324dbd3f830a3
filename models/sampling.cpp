#include "models/sampling.h"

#include <cmath>
#include <limits>
#include <numeric>

#include <torch/torch.h>

#include "core/error.h"

namespace hitforge::models {

void validate(const SampleOptions& o) {
  HITFORGE_REQUIRE(o.n >= 1, "number of sequences to sample must be >= 1 (got ", o.n, ")");
  HITFORGE_REQUIRE(o.max_length >= 1, "--max-length must be >= 1 (got ", o.max_length, ")");
  HITFORGE_REQUIRE(std::isfinite(o.temperature) && o.temperature > 0, "--temperature must be > 0 (got ", o.temperature,
                   ")");
  HITFORGE_REQUIRE(o.top_k >= 0, "--top-k must be >= 0 (0 = off; got ", o.top_k, ")");
  HITFORGE_REQUIRE(o.top_p > 0 && o.top_p <= 1, "--top-p must be in (0, 1] (1 = off; got ", o.top_p, ")");
  HITFORGE_REQUIRE(o.min_length >= 0 && o.min_length <= o.max_length, "minimum length must be in [0, max length ",
                   o.max_length, "] (got ", o.min_length, ")");
}

torch::Tensor sampling_probabilities(const torch::Tensor& logits, const SampleOptions& o,
                                     const std::vector<std::int64_t>& banned) {
  TORCH_CHECK(logits.dim() == 2, "sampling_probabilities: logits must be [rows, vocab], got ", logits.sizes());
  const std::int64_t v = logits.size(1);
  auto x = logits.to(torch::kFloat32);
  x = o.temperature == 1.0 ? x.clone() : x / o.temperature;
  const float neg_inf = -std::numeric_limits<float>::infinity();
  if (!banned.empty()) {
    std::vector<std::int64_t> ids;
    for (auto id : banned)
      if (id >= 0 && id < v) ids.push_back(id);
    if (!ids.empty()) x.index_fill_(1, torch::tensor(ids, torch::kLong).to(x.device()), neg_inf);
  }
  if (o.top_k > 0 && o.top_k < v) {
    // the k-th largest value per row; ties with it are kept (so a row may keep slightly more than k)
    auto kth = std::get<0>(x.topk(o.top_k, 1, true, true)).narrow(1, o.top_k - 1, 1);
    x.masked_fill_(x < kth, neg_inf);
  }
  auto probs = torch::softmax(x, 1);
  if (o.top_p < 1.0) {
    auto sorted = probs.sort(1, true);
    const auto& p = std::get<0>(sorted);
    const auto& idx = std::get<1>(sorted);
    // drop a token when the mass of the tokens before it already reaches top_p; the first token always stays
    auto drop_sorted = (p.cumsum(1) - p) >= o.top_p;
    auto drop = torch::zeros_like(drop_sorted).scatter(1, idx, drop_sorted);
    probs.masked_fill_(drop, 0.0f);
    probs = probs / probs.sum(1, true);
  }
  return probs;
}

SampleResult sample_sequences(Decoder& decoder, const SampleOptions& o, const SpecialTokens& sp,
                              std::optional<at::Generator> generator) {
  validate(o);
  torch::NoGradGuard no_grad;
  const std::int64_t n = o.n;
  SampleResult r;
  r.sequences.assign(static_cast<std::size_t>(n), {});
  r.complete.assign(static_cast<std::size_t>(n), false);
  std::vector<double> ll(static_cast<std::size_t>(n), 0.0);
  std::vector<std::int64_t> active(static_cast<std::size_t>(n));
  std::iota(active.begin(), active.end(), 0);
  std::vector<std::int64_t> banned{sp.pad, sp.bos};
  if (sp.unk >= 0) banned.push_back(sp.unk);
  std::vector<std::int64_t> banned_eos = banned;
  banned_eos.push_back(sp.eos);
  c10::optional<at::Generator> gen;
  if (generator) gen = *generator;

  decoder.start(n);
  torch::Tensor tokens = torch::full({n}, sp.bos, torch::kLong);
  for (std::int64_t t = 0; t <= o.max_length && !active.empty(); ++t) {
    auto logits = decoder.step(tokens).to(torch::kCPU, torch::kFloat32);
    const auto a_rows = static_cast<std::int64_t>(active.size());
    TORCH_CHECK(logits.dim() == 2 && logits.size(0) == a_rows, "decoder returned logits ", logits.sizes(), " for ",
                a_rows, " rows");
    r.computed_tokens += a_rows;
    auto probs = sampling_probabilities(logits, o, t < o.min_length ? banned_eos : banned);
    auto next = torch::multinomial(probs, 1, false, gen).squeeze(1).contiguous();
    auto step_lp = torch::log_softmax(logits, 1).gather(1, next.unsqueeze(1)).squeeze(1).contiguous();
    const std::int64_t* nx = next.data_ptr<std::int64_t>();
    const float* lp = step_lp.data_ptr<float>();
    std::vector<std::int64_t> keep_rows, still_active;
    keep_rows.reserve(active.size());
    still_active.reserve(active.size());
    for (std::int64_t a = 0; a < a_rows; ++a) {
      const auto i = static_cast<std::size_t>(active[static_cast<std::size_t>(a)]);
      if (nx[a] == sp.eos) {
        ll[i] += lp[a];
        r.complete[i] = true;
      } else if (t < o.max_length) {
        ll[i] += lp[a];
        r.sequences[i].push_back(nx[a]);
        keep_rows.push_back(a);
        still_active.push_back(static_cast<std::int64_t>(i));
      }  // else: max_length tokens without <eos>; the extra token is not kept
    }
    if (still_active.empty()) break;
    if (static_cast<std::int64_t>(keep_rows.size()) < a_rows) {
      auto rows = torch::tensor(keep_rows, torch::kLong);
      decoder.keep(rows);
      next = next.index_select(0, rows);
    }
    active = std::move(still_active);
    tokens = next;
  }
  r.log_likelihood = torch::tensor(ll, torch::kFloat64);
  return r;
}

TokenBatch pad_sequences(const std::vector<std::vector<std::int64_t>>& seqs, std::int64_t pad_id) {
  std::size_t t = 0;
  for (const auto& s : seqs) t = std::max(t, s.size());
  const auto b = static_cast<std::int64_t>(seqs.size());
  TokenBatch out;
  out.tokens = torch::full({b, static_cast<std::int64_t>(t)}, pad_id, torch::kLong);
  out.lengths = torch::empty({b}, torch::kLong);
  std::int64_t* tok = out.tokens.data_ptr<std::int64_t>();
  std::int64_t* len = out.lengths.data_ptr<std::int64_t>();
  for (std::int64_t i = 0; i < b; ++i) {
    const auto& s = seqs[static_cast<std::size_t>(i)];
    std::copy(s.begin(), s.end(), tok + i * static_cast<std::int64_t>(t));
    len[i] = static_cast<std::int64_t>(s.size());
  }
  return out;
}

TokenBatch make_token_batch(const std::vector<std::vector<std::int64_t>>& bodies, const SpecialTokens& sp) {
  std::vector<std::vector<std::int64_t>> seqs;
  seqs.reserve(bodies.size());
  for (const auto& b : bodies) {
    std::vector<std::int64_t> s;
    s.reserve(b.size() + 2);
    s.push_back(sp.bos);
    s.insert(s.end(), b.begin(), b.end());
    s.push_back(sp.eos);
    seqs.push_back(std::move(s));
  }
  return pad_sequences(seqs, sp.pad);
}

}  // namespace hitforge::models
