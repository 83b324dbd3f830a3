#include "models/smiles_lm.h"

#include <algorithm>
#include <numeric>

#include <ATen/autocast_mode.h>
#include <torch/torch.h>

#include "core/error.h"
#include "models/lstm_recurrence.h"

namespace hitforge::models {

namespace {

// Packing of a right-padded batch: rows by decreasing length (stable), then time-major.
struct Packing {
  std::vector<std::int64_t> batch_sizes;  // active rows per time step
  torch::Tensor flat;                     // [N] int64: b * T + t per packed row
  torch::Tensor row_of;                   // [N] int64: b per packed row
};

Packing make_packing(const torch::Tensor& lengths, std::int64_t t_max) {
  TORCH_CHECK(lengths.dim() == 1, "lengths must be [B], got ", lengths.sizes());
  auto len = lengths.to(torch::kCPU, torch::kLong).contiguous();
  const std::int64_t b = len.size(0);
  const std::int64_t* l = len.data_ptr<std::int64_t>();
  std::vector<std::int64_t> order(static_cast<std::size_t>(b));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::int64_t x, std::int64_t y) { return l[x] > l[y]; });
  std::int64_t n = 0, longest = 0;
  for (std::int64_t i = 0; i < b; ++i) {
    TORCH_CHECK(l[i] >= 1 && l[i] <= t_max, "length ", l[i], " of row ", i, " is outside [1, ", t_max, "]");
    n += l[i];
    longest = std::max(longest, l[i]);
  }
  Packing p;
  p.batch_sizes.reserve(static_cast<std::size_t>(longest));
  p.flat = torch::empty({n}, torch::kLong);
  p.row_of = torch::empty({n}, torch::kLong);
  std::int64_t* f = p.flat.data_ptr<std::int64_t>();
  std::int64_t* r = p.row_of.data_ptr<std::int64_t>();
  std::int64_t k = 0;
  for (std::int64_t t = 0; t < longest; ++t) {
    std::int64_t bs = 0;
    while (bs < b && l[order[static_cast<std::size_t>(bs)]] > t) {
      const std::int64_t row = order[static_cast<std::size_t>(bs)];
      f[k] = row * t_max + t;
      r[k] = row;
      ++k;
      ++bs;
    }
    p.batch_sizes.push_back(bs);
  }
  return p;
}

// One LSTM step without autograd in PyTorch's gate order (i, f, g, o), reusing `gates` [b, 4H] and updating `c` in
// place: c ← f⊙c + i⊙g, returns h = o⊙tanh(c). (Training runs the whole recurrence in lstm_recurrence.)
torch::Tensor lstm_cell_(torch::Tensor& gates, torch::Tensor& c) {
  auto g = gates.chunk(4, 1);
  g[0].sigmoid_();
  g[1].sigmoid_();
  g[2].tanh_();
  g[3].sigmoid_();
  c.mul_(g[1]).addcmul_(g[0], g[2]);
  return torch::tanh(c).mul_(g[3]);
}

}  // namespace

SmilesLSTMImpl::SmilesLSTMImpl(SmilesLSTMOptions options_) : options(std::move(options_)) { reset(); }

void validate(const SmilesLSTMOptions& o) {
  HITFORGE_REQUIRE(o.embedding_dim() > 0 && o.hidden() > 0 && o.layers() >= 1, "smiles_lstm: embedding_dim (",
                   o.embedding_dim(), "), hidden (", o.hidden(), ") and layers (", o.layers(), ") must be positive");
  HITFORGE_REQUIRE(o.dropout() >= 0.0 && o.dropout() < 1.0, "smiles_lstm: dropout must be in [0, 1) (got ",
                   o.dropout(), ")");
  for (std::int64_t id : {o.pad_id(), o.bos_id(), o.eos_id()})
    HITFORGE_REQUIRE(id >= 0 && id < o.vocab_size(), "smiles_lstm: special token id ", id, " is outside the ",
                     "vocabulary of ", o.vocab_size(), " tokens");
  HITFORGE_REQUIRE(o.pad_id() != o.bos_id() && o.pad_id() != o.eos_id() && o.bos_id() != o.eos_id(),
                   "smiles_lstm: pad, bos and eos ids must differ");
  HITFORGE_REQUIRE(o.unk_id() >= -1 && o.unk_id() < o.vocab_size(), "smiles_lstm: unk_id ", o.unk_id(),
                   " is outside the vocabulary");
  HITFORGE_REQUIRE(o.vocab_size() > 3, "smiles_lstm: vocab_size must exceed the special tokens (got ", o.vocab_size(),
                   ")");
}

void SmilesLSTMImpl::reset() {
  const auto& o = options;
  validate(o);
  embedding = register_module(
      "embedding", torch::nn::Embedding(torch::nn::EmbeddingOptions(o.vocab_size(), o.embedding_dim()).padding_idx(o.pad_id())));
  lstm = register_module("lstm", torch::nn::LSTM(torch::nn::LSTMOptions(o.embedding_dim(), o.hidden())
                                                     .num_layers(o.layers())
                                                     .batch_first(true)
                                                     .dropout(o.layers() > 1 ? o.dropout() : 0.0)));
  dropout = register_module("dropout", torch::nn::Dropout(o.dropout()));
  out = register_module("out", torch::nn::Linear(o.hidden(), o.vocab_size()));
}

SpecialTokens SmilesLSTMImpl::specials() const {
  return {options.pad_id(), options.bos_id(), options.eos_id(), options.unk_id()};
}

SmilesLSTMImpl::LayerWeights SmilesLSTMImpl::layer(std::int64_t k) {
  auto params = lstm->named_parameters(false);
  const std::string s = "_l" + std::to_string(k);
  return {params["weight_ih" + s], params["weight_hh" + s], params["bias_ih" + s] + params["bias_hh" + s]};
}

torch::Tensor SmilesLSTMImpl::input_table() {
  auto l0 = layer(0);
  return torch::addmm(l0.bias, embedding->weight, l0.w_ih.t());
}

torch::Tensor SmilesLSTMImpl::packed_logits(const torch::Tensor& tokens, const torch::Tensor& lengths,
                                            torch::Tensor& flat, torch::Tensor& row_of) {
  TORCH_CHECK(tokens.dim() == 2, "smiles_lstm: tokens must be [B, T], got ", tokens.sizes());
  TORCH_CHECK(lengths.dim() == 1 && lengths.size(0) == tokens.size(0), "smiles_lstm: lengths must be [B] with B = ",
              tokens.size(0), ", got ", lengths.sizes());
  const auto device = embedding->weight.device();
  Packing p = make_packing(lengths, tokens.size(1));
  flat = p.flat.to(device);
  row_of = p.row_of.to(device);
  auto ids = tokens.to(device, torch::kLong).reshape({-1}).index_select(0, flat);
  TORCH_CHECK(ids.numel() == 0 || (ids.min().item<std::int64_t>() >= 0 &&
                                   ids.max().item<std::int64_t>() < options.vocab_size()),
              "smiles_lstm: token id outside [0, ", options.vocab_size(), ")");
  // Under CPU autocast the products over all tokens run in oneDNN, which compiles and caches a kernel per shape; the
  // token count changes with nearly every batch, so they run on gemm_rows(n) rows (padding rows are ignored).
  const std::int64_t n = ids.size(0);
  const std::int64_t rows = device.is_cpu() && at::autocast::is_cpu_enabled() ? gemm_rows(n) : n;
  if (rows > n) ids = torch::cat({ids, torch::full({rows - n}, options.pad_id(), ids.options())});
  // layer 0 input projection: one row of the [V, 4H] table per token (exact: embedding then a linear map)
  torch::Tensor x = torch::embedding(input_table(), ids);
  torch::Tensor y;
  for (std::int64_t k = 0; k < options.layers(); ++k) {
    auto w = layer(k);
    if (k > 0) x = torch::addmm(w.bias, y, w.w_ih.t());  // all tokens at once
    y = dropout(lstm_recurrence(rows > n ? x.narrow(0, 0, n) : x, w.w_hh, p.batch_sizes));
    if (rows > n) y = torch::constant_pad_nd(y, {0, 0, 0, rows - n});
  }
  auto logits = out(y);
  return rows > n ? logits.narrow(0, 0, n) : logits;
}

torch::Tensor SmilesLSTMImpl::forward(const torch::Tensor& tokens, const torch::Tensor& lengths) {
  torch::Tensor flat, row_of;
  auto logits = packed_logits(tokens, lengths, flat, row_of);
  const std::int64_t b = tokens.size(0), t = tokens.size(1), v = options.vocab_size();
  return torch::zeros({b * t, v}, logits.options()).index_copy(0, flat, logits).view({b, t, v});
}

torch::Tensor SmilesLSTMImpl::sequence_nll(const torch::Tensor& sequences, const torch::Tensor& lengths) {
  TORCH_CHECK(sequences.dim() == 2 && sequences.size(1) >= 2, "smiles_lstm: sequences must be [B, T >= 2], got ",
              sequences.sizes());
  auto len = lengths.to(torch::kCPU, torch::kLong);
  TORCH_CHECK(len.numel() == 0 || len.min().item<std::int64_t>() >= 2,
              "smiles_lstm: every sequence needs <bos> and <eos> (length >= 2)");
  const auto device = embedding->weight.device();
  auto seq = sequences.to(device, torch::kLong);
  const std::int64_t b = seq.size(0), t = seq.size(1);
  auto inputs = seq.narrow(1, 0, t - 1).contiguous();
  torch::Tensor flat, row_of;
  auto logits = packed_logits(inputs, len - 1, flat, row_of);
  // the target of input position (b, t) is token (b, t + 1): flat index b * (T - 1) + t maps to b * T + t + 1
  auto target_flat = flat + row_of + 1;
  auto targets = seq.reshape({-1}).index_select(0, target_flat);
  // fp32 log-softmax also when the products run in bf16 under autocast
  auto token_nll = torch::cross_entropy_loss(logits.to(torch::kFloat), targets, {}, at::Reduction::None);
  return torch::zeros({b}, token_nll.options()).index_add(0, row_of, token_nll);
}

torch::Tensor SmilesLSTMImpl::log_likelihood(const torch::Tensor& sequences) {
  TORCH_CHECK(sequences.dim() == 2, "smiles_lstm: sequences must be [B, T], got ", sequences.sizes());
  auto lengths = (sequences != options.pad_id()).sum(1).to(torch::kLong);
  return -sequence_nll(sequences, lengths);
}

// Incremental state: h and c per layer, [A, H] for the A active rows.
class LSTMDecoder final : public Decoder {
 public:
  explicit LSTMDecoder(SmilesLSTMImpl& m) : m_(m) {
    torch::NoGradGuard no_grad;
    table_ = m.input_table();
    for (std::int64_t k = 0; k < m.options.layers(); ++k) {
      auto w = m.layer(k);
      w_hh_.push_back(w.w_hh.t());
      if (k > 0) {
        // layers above 0: one product of [x, h] with [W_ih | W_hh]ᵀ instead of two
        w_cat_.push_back(torch::cat({w.w_ih, w.w_hh}, 1).t().contiguous());
        bias_.push_back(w.bias);
      } else {
        w_cat_.emplace_back();
        bias_.emplace_back();
      }
    }
  }

  void start(std::int64_t batch) override {
    h_.clear();
    c_.clear();
    for (std::int64_t k = 0; k < m_.options.layers(); ++k) {
      h_.push_back(torch::zeros({batch, m_.options.hidden()}, table_.options()));
      c_.push_back(torch::zeros({batch, m_.options.hidden()}, table_.options()));
    }
  }

  torch::Tensor step(const torch::Tensor& tokens) override {
    torch::NoGradGuard no_grad;
    auto ids = tokens.to(table_.device(), torch::kLong);
    torch::Tensor below;
    for (std::size_t k = 0; k < h_.size(); ++k) {
      torch::Tensor gates;
      if (k == 0) gates = torch::addmm(table_.index_select(0, ids), h_[0], w_hh_[0]);
      else gates = torch::addmm(bias_[k], torch::cat({below, h_[k]}, 1), w_cat_[k]);
      h_[k] = lstm_cell_(gates, c_[k]);
      below = h_[k];
    }
    return m_.out(below);
  }

  void keep(const torch::Tensor& rows) override {
    auto r = rows.to(table_.device(), torch::kLong);
    for (auto& h : h_) h = h.index_select(0, r);
    for (auto& c : c_) c = c.index_select(0, r);
  }

 private:
  SmilesLSTMImpl& m_;
  torch::Tensor table_;
  std::vector<torch::Tensor> w_hh_, w_cat_, bias_, h_, c_;
};

std::unique_ptr<Decoder> SmilesLSTMImpl::make_decoder() { return std::make_unique<LSTMDecoder>(*this); }

SampleResult SmilesLSTMImpl::sample(const SampleOptions& o, std::optional<at::Generator> generator) {
  const bool was_training = is_training();
  eval();
  try {
    auto decoder = make_decoder();
    auto r = sample_sequences(*decoder, o, specials(), std::move(generator));
    train(was_training);
    return r;
  } catch (...) {
    train(was_training);
    throw;
  }
}

SampleResult SmilesLSTMImpl::sample(std::int64_t n, std::int64_t max_length, double temperature, std::int64_t top_k,
                                    double top_p, std::optional<at::Generator> generator) {
  SampleOptions o;
  o.n = n;
  o.max_length = max_length;
  o.temperature = temperature;
  o.top_k = top_k;
  o.top_p = top_p;
  return sample(o, std::move(generator));
}

void SmilesLSTMImpl::pretty_print(std::ostream& stream) const {
  stream << "hitforge::models::SmilesLSTM(vocab_size=" << options.vocab_size()
         << ", embedding_dim=" << options.embedding_dim() << ", hidden=" << options.hidden()
         << ", layers=" << options.layers() << ", dropout=" << options.dropout() << ")";
}

}  // namespace hitforge::models
