#include "models/smiles_transformer.h"

#include <cmath>
#include <limits>

#include <torch/torch.h>

#include "core/error.h"

namespace hitforge::models {

void validate(const SmilesTransformerOptions& o) {
  HITFORGE_REQUIRE(o.d_model() > 0 && o.heads() > 0 && o.layers() >= 1, "smiles_transformer: d_model (", o.d_model(),
                   "), heads (", o.heads(), ") and layers (", o.layers(), ") must be positive");
  HITFORGE_REQUIRE(o.d_model() % o.heads() == 0, "smiles_transformer: d_model (", o.d_model(),
                   ") must be a multiple of heads (", o.heads(), ")");
  HITFORGE_REQUIRE(o.ff_dim() >= 0, "smiles_transformer: ff_dim must be >= 0 (0 = 4 · d_model), got ", o.ff_dim());
  HITFORGE_REQUIRE(o.dropout() >= 0.0 && o.dropout() < 1.0, "smiles_transformer: dropout must be in [0, 1) (got ",
                   o.dropout(), ")");
  HITFORGE_REQUIRE(o.max_positions() >= 2, "smiles_transformer: max_positions must be >= 2 (<bos> and <eos>), got ",
                   o.max_positions());
  HITFORGE_REQUIRE(o.vocab_size() > 3, "smiles_transformer: vocab_size must exceed the special tokens (got ",
                   o.vocab_size(), ")");
  for (std::int64_t id : {o.pad_id(), o.bos_id(), o.eos_id()})
    HITFORGE_REQUIRE(id >= 0 && id < o.vocab_size(), "smiles_transformer: special token id ", id,
                     " is outside the vocabulary of ", o.vocab_size(), " tokens");
  HITFORGE_REQUIRE(o.pad_id() != o.bos_id() && o.pad_id() != o.eos_id() && o.bos_id() != o.eos_id(),
                   "smiles_transformer: pad, bos and eos ids must differ");
  HITFORGE_REQUIRE(o.unk_id() >= -1 && o.unk_id() < o.vocab_size(), "smiles_transformer: unk_id ", o.unk_id(),
                   " is outside the vocabulary");
}

TransformerBlockImpl::TransformerBlockImpl(std::int64_t d_model_, std::int64_t heads_, std::int64_t ff_dim_,
                                           double dropout_)
    : d_model(d_model_), heads(heads_), ff_dim(ff_dim_), dropout_p(dropout_) {
  reset();
}

void TransformerBlockImpl::reset() {
  ln1 = register_module("ln1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model})));
  qkv = register_module("qkv", torch::nn::Linear(d_model, 3 * d_model));
  proj = register_module("proj", torch::nn::Linear(d_model, d_model));
  ln2 = register_module("ln2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d_model})));
  fc1 = register_module("fc1", torch::nn::Linear(d_model, ff_dim));
  fc2 = register_module("fc2", torch::nn::Linear(ff_dim, d_model));
  dropout = register_module("dropout", torch::nn::Dropout(dropout_p));
}

torch::Tensor TransformerBlockImpl::forward(const torch::Tensor& x) {
  const std::int64_t b = x.size(0), t = x.size(1), dh = d_model / heads;
  // [B, T, 3D] → [3, B, H, T, dh]
  auto qkv_heads = qkv(ln1(x)).view({b, t, 3, heads, dh}).permute({2, 0, 3, 1, 4});
  auto q = qkv_heads[0] * (1.0 / std::sqrt(static_cast<double>(dh)));
  auto scores = torch::matmul(q, qkv_heads[1].transpose(-2, -1));  // [B, H, T, T]
  auto future = torch::ones({t, t}, torch::dtype(torch::kBool).device(x.device())).triu(1);
  scores = scores.masked_fill(future, -std::numeric_limits<float>::infinity());
  auto attn = dropout(torch::softmax(scores, -1));
  auto y = torch::matmul(attn, qkv_heads[2]).transpose(1, 2).reshape({b, t, d_model});
  auto h = x + dropout(proj(y));
  return h + dropout(fc2(torch::gelu(fc1(ln2(h)))));
}

SmilesTransformerImpl::SmilesTransformerImpl(SmilesTransformerOptions options_) : options(std::move(options_)) {
  reset();
}

void SmilesTransformerImpl::reset() {
  const auto& o = options;
  validate(o);
  token_embedding = register_module("token_embedding", torch::nn::Embedding(o.vocab_size(), o.d_model()));
  position_embedding = register_module("position_embedding", torch::nn::Embedding(o.max_positions(), o.d_model()));
  dropout = register_module("dropout", torch::nn::Dropout(o.dropout()));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (std::int64_t k = 0; k < o.layers(); ++k)
    blocks->push_back(TransformerBlock(o.d_model(), o.heads(), o.resolved_ff_dim(), o.dropout()));
  ln_f = register_module("ln_f", torch::nn::LayerNorm(torch::nn::LayerNormOptions({o.d_model()})));
  out = register_module("out", torch::nn::Linear(o.d_model(), o.vocab_size()));

  // GPT-2 initialisation (from torch's global generator, like every other model here).
  torch::NoGradGuard no_grad;
  const double residual_std = 0.02 / std::sqrt(2.0 * static_cast<double>(o.layers()));
  for (auto& item : named_parameters()) {
    const std::string& name = item.key();
    auto& p = item.value();
    const bool is_bias = name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0;
    const bool is_norm = name.find("ln") != std::string::npos;  // ln1, ln2, ln_f keep ones / zeros
    if (is_norm) continue;
    if (is_bias) {
      p.zero_();
    } else {
      const bool residual = name.find(".proj.") != std::string::npos || name.find(".fc2.") != std::string::npos;
      p.normal_(0.0, residual ? residual_std : 0.02);
    }
  }
}

SpecialTokens SmilesTransformerImpl::specials() const {
  return {options.pad_id(), options.bos_id(), options.eos_id(), options.unk_id()};
}

torch::Tensor SmilesTransformerImpl::hidden(const torch::Tensor& tokens) {
  TORCH_CHECK(tokens.dim() == 2, "smiles_transformer: tokens must be [B, T], got ", tokens.sizes());
  const std::int64_t t = tokens.size(1);
  HITFORGE_REQUIRE(t <= options.max_positions(), "smiles_transformer: a sequence of ", t,
                   " positions exceeds max_positions (", options.max_positions(), ")");
  const auto device = token_embedding->weight.device();
  auto ids = tokens.to(device, torch::kLong);
  TORCH_CHECK(ids.numel() == 0 ||
                  (ids.min().item<std::int64_t>() >= 0 && ids.max().item<std::int64_t>() < options.vocab_size()),
              "smiles_transformer: token id outside [0, ", options.vocab_size(), ")");
  auto positions = torch::arange(t, torch::dtype(torch::kLong).device(device));
  auto x = dropout(token_embedding(ids) + position_embedding(positions).unsqueeze(0));
  for (const auto& block : *blocks) x = block->as<TransformerBlockImpl>()->forward(x);
  return ln_f(x);
}

torch::Tensor SmilesTransformerImpl::forward(const torch::Tensor& tokens, const torch::Tensor& lengths) {
  TORCH_CHECK(lengths.dim() == 1 && lengths.size(0) == tokens.size(0),
              "smiles_transformer: lengths must be [B] with B = ", tokens.size(0), ", got ", lengths.sizes());
  const auto device = token_embedding->weight.device();
  auto len = lengths.to(device, torch::kLong);
  TORCH_CHECK(len.numel() == 0 || (len.min().item<std::int64_t>() >= 1 &&
                                   len.max().item<std::int64_t>() <= tokens.size(1)),
              "smiles_transformer: lengths must be in [1, ", tokens.size(1), "]");
  auto logits = out(hidden(tokens));
  auto real = torch::arange(tokens.size(1), torch::dtype(torch::kLong).device(device)).unsqueeze(0) < len.unsqueeze(1);
  return logits * real.unsqueeze(-1).to(logits.dtype());
}

torch::Tensor SmilesTransformerImpl::sequence_nll(const torch::Tensor& sequences, const torch::Tensor& lengths) {
  TORCH_CHECK(sequences.dim() == 2 && sequences.size(1) >= 2,
              "smiles_transformer: sequences must be [B, T >= 2], got ", sequences.sizes());
  TORCH_CHECK(lengths.dim() == 1 && lengths.size(0) == sequences.size(0),
              "smiles_transformer: lengths must be [B] with B = ", sequences.size(0), ", got ", lengths.sizes());
  const auto device = token_embedding->weight.device();
  auto len = lengths.to(device, torch::kLong);
  const std::int64_t b = sequences.size(0);
  if (b == 0) return torch::zeros({0}, token_embedding->weight.options());
  const std::int64_t longest = len.max().item<std::int64_t>();
  TORCH_CHECK(len.min().item<std::int64_t>() >= 2 && longest <= sequences.size(1),
              "smiles_transformer: every sequence needs <bos> and <eos> (length >= 2) within T = ", sequences.size(1));
  // only as wide as the longest row: the columns after it are padding everywhere
  auto seq = sequences.to(device, torch::kLong).narrow(1, 0, longest);
  const std::int64_t t = longest - 1;  // input positions
  auto h = hidden(seq.narrow(1, 0, t).contiguous());
  auto real = torch::arange(t, torch::dtype(torch::kLong).device(device)).unsqueeze(0) < (len - 1).unsqueeze(1);
  auto flat = real.reshape({-1}).nonzero().squeeze(1);  // b * t + position
  auto row_of = torch::div(flat, t, "floor");
  auto targets = seq.narrow(1, 1, t).reshape({-1}).index_select(0, flat);
  // fp32 log-softmax also when the products run in bf16 under autocast
  auto logits = out(h.reshape({b * t, options.d_model()}).index_select(0, flat)).to(torch::kFloat);
  auto token_nll = torch::cross_entropy_loss(logits, targets, {}, at::Reduction::None);
  return torch::zeros({b}, token_nll.options()).index_add(0, row_of, token_nll);
}

// Incremental state: per layer, keys and values of every position fed so far, [A, H, capacity, dh].
class TransformerDecoder final : public Decoder {
 public:
  explicit TransformerDecoder(SmilesTransformerImpl& m) : m_(m) {
    for (const auto& block : *m.blocks) blocks_.push_back(block->as<TransformerBlockImpl>());
  }

  void start(std::int64_t batch) override {
    rows_ = batch;
    position_ = 0;
    capacity_ = 0;
    keys_.assign(blocks_.size(), torch::Tensor());
    values_.assign(blocks_.size(), torch::Tensor());
  }

  torch::Tensor step(const torch::Tensor& tokens) override {
    torch::NoGradGuard no_grad;
    const auto& o = m_.options;
    HITFORGE_REQUIRE(position_ < o.max_positions(), "smiles_transformer: cannot decode past max_positions (",
                     o.max_positions(), "); ask for a shorter max length");
    const auto device = m_.token_embedding->weight.device();
    auto ids = tokens.to(device, torch::kLong);
    const std::int64_t a = ids.size(0), heads = o.heads(), dh = o.d_model() / o.heads();
    TORCH_CHECK(a == rows_, "smiles_transformer decoder: ", a, " tokens for ", rows_, " active rows");
    grow(position_ + 1);
    const double scale = 1.0 / std::sqrt(static_cast<double>(dh));
    auto x = m_.token_embedding(ids) + m_.position_embedding->weight[position_];  // [A, D]
    for (std::size_t k = 0; k < blocks_.size(); ++k) {
      auto& blk = *blocks_[k];
      auto qkv = blk.qkv(blk.ln1(x)).view({a, 3, heads, dh});
      keys_[k].select(2, position_).copy_(qkv.select(1, 1));
      values_[k].select(2, position_).copy_(qkv.select(1, 2));
      auto keys = keys_[k].narrow(2, 0, position_ + 1);      // [A, H, t, dh]
      auto values = values_[k].narrow(2, 0, position_ + 1);  // [A, H, t, dh]
      auto q = (qkv.select(1, 0) * scale).unsqueeze(-1);     // [A, H, dh, 1]
      auto attn = torch::softmax(torch::matmul(keys, q), 2);  // [A, H, t, 1]
      auto y = torch::matmul(attn.transpose(-2, -1), values).reshape({a, o.d_model()});
      x = x + blk.proj(y);
      x = x + blk.fc2(torch::gelu(blk.fc1(blk.ln2(x))));
    }
    ++position_;
    return m_.out(m_.ln_f(x));
  }

  void keep(const torch::Tensor& rows) override {
    auto r = rows.to(m_.token_embedding->weight.device(), torch::kLong);
    rows_ = r.size(0);
    for (auto& t : keys_)
      if (t.defined()) t = t.index_select(0, r);
    for (auto& t : values_)
      if (t.defined()) t = t.index_select(0, r);
  }

 private:
  // Capacity for `needed` positions: doubling (at least 32), never past max_positions.
  void grow(std::int64_t needed) {
    if (needed <= capacity_) return;
    const auto& o = m_.options;
    std::int64_t cap = std::max<std::int64_t>(32, capacity_);
    while (cap < needed) cap *= 2;
    cap = std::min(cap, o.max_positions());
    const std::int64_t dh = o.d_model() / o.heads();
    auto fopts = m_.token_embedding->weight.options();
    for (std::size_t k = 0; k < blocks_.size(); ++k) {
      for (auto* cache : {&keys_[k], &values_[k]}) {
        auto bigger = torch::zeros({rows_, o.heads(), cap, dh}, fopts);
        if (cache->defined() && position_ > 0) bigger.narrow(2, 0, position_).copy_(cache->narrow(2, 0, position_));
        *cache = bigger;
      }
    }
    capacity_ = cap;
  }

  SmilesTransformerImpl& m_;
  std::vector<TransformerBlockImpl*> blocks_;
  std::vector<torch::Tensor> keys_, values_;
  std::int64_t rows_ = 0, position_ = 0, capacity_ = 0;
};

std::unique_ptr<Decoder> SmilesTransformerImpl::make_decoder() { return std::make_unique<TransformerDecoder>(*this); }

void SmilesTransformerImpl::pretty_print(std::ostream& stream) const {
  stream << "hitforge::models::SmilesTransformer(vocab_size=" << options.vocab_size()
         << ", d_model=" << options.d_model() << ", heads=" << options.heads() << ", layers=" << options.layers()
         << ", ff_dim=" << options.resolved_ff_dim() << ", dropout=" << options.dropout()
         << ", max_positions=" << options.max_positions() << ")";
}

}  // namespace hitforge::models
