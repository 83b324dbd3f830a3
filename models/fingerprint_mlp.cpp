#include "models/fingerprint_mlp.h"

#include <cmath>
#include <cstring>

#include <torch/torch.h>

#include "core/error.h"

namespace hitforge::models {

namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "packed_bits_to_indices reads LSB-first bytes as little-endian 64-bit words");

// Word `w` of a packed row (up to 8 bytes), with bits at or past n_bits cleared.
inline std::uint64_t load_word(const std::uint8_t* row, std::int64_t w, std::int64_t n_bytes, std::int64_t n_bits) {
  std::uint64_t v = 0;
  const std::int64_t first = w * 8;
  std::memcpy(&v, row + first, static_cast<std::size_t>(std::min<std::int64_t>(8, n_bytes - first)));
  const std::int64_t valid = n_bits - w * 64;
  if (valid < 64) v &= (std::uint64_t{1} << valid) - 1;
  return v;
}

void init_uniform(torch::Tensor& t, double bound) {
  torch::NoGradGuard no_grad;
  t.uniform_(-bound, bound);
}

}  // namespace

SparseBits packed_bits_to_indices(const std::uint8_t* rows, std::int64_t batch, std::int64_t n_bits) {
  HITFORGE_REQUIRE(batch >= 0 && n_bits > 0, "packed_bits_to_indices: need batch >= 0 and n_bits > 0 (got ", batch,
                   ", ", n_bits, ")");
  HITFORGE_REQUIRE(rows || batch == 0, "packed_bits_to_indices: null rows for a non-empty batch");
  const std::int64_t n_bytes = (n_bits + 7) / 8, n_words = (n_bits + 63) / 64;
  const auto i64 = torch::TensorOptions().dtype(torch::kInt64);
  SparseBits out;
  out.offsets = torch::empty({batch}, i64);
  std::int64_t* offsets = out.offsets.data_ptr<std::int64_t>();
  std::int64_t nnz = 0;
  for (std::int64_t r = 0; r < batch; ++r) {
    offsets[r] = nnz;
    const std::uint8_t* row = rows + r * n_bytes;
    for (std::int64_t w = 0; w < n_words; ++w) nnz += __builtin_popcountll(load_word(row, w, n_bytes, n_bits));
  }
  out.indices = torch::empty({nnz}, i64);
  std::int64_t* idx = out.indices.data_ptr<std::int64_t>();
  for (std::int64_t r = 0; r < batch; ++r) {
    const std::uint8_t* row = rows + r * n_bytes;
    for (std::int64_t w = 0; w < n_words; ++w) {
      for (std::uint64_t v = load_word(row, w, n_bytes, n_bits); v; v &= v - 1)
        *idx++ = w * 64 + __builtin_ctzll(v);
    }
  }
  return out;
}

FingerprintMLPImpl::FingerprintMLPImpl(FingerprintMLPOptions options_) : options(std::move(options_)) { reset(); }

void FingerprintMLPImpl::reset() {
  const auto& o = options;
  HITFORGE_REQUIRE(o.input_dim() > 0, "fp_mlp: input_dim must be positive (got ", o.input_dim(), ")");
  HITFORGE_REQUIRE(o.n_tasks() > 0, "fp_mlp: n_tasks must be positive (got ", o.n_tasks(), ")");
  for (std::int64_t h : o.hidden()) HITFORGE_REQUIRE(h > 0, "fp_mlp: hidden widths must be positive (got ", h, ")");
  HITFORGE_REQUIRE(o.dropout() >= 0.0 && o.dropout() < 1.0, "fp_mlp: dropout must be in [0, 1) (got ", o.dropout(),
                   ")");
  activation_ = parse_activation(o.activation());

  std::vector<std::int64_t> widths{o.input_dim()};
  widths.insert(widths.end(), o.hidden().begin(), o.hidden().end());
  widths.push_back(o.n_tasks());

  // EmbeddingBag layout [input_dim, out] = the transpose of a Linear weight; initialised as Linear's would be.
  const double bound = 1.0 / std::sqrt(static_cast<double>(o.input_dim()));
  input = register_module(
      "input", torch::nn::EmbeddingBag(torch::nn::EmbeddingBagOptions(widths[0], widths[1]).mode(torch::kSum)));
  init_uniform(input->weight, bound);
  input_bias = register_parameter("input_bias", torch::empty({widths[1]}));
  init_uniform(input_bias, bound);

  layers = register_module("layers", torch::nn::ModuleList());
  for (std::size_t i = 1; i + 1 < widths.size(); ++i) layers->push_back(torch::nn::Linear(widths[i], widths[i + 1]));
  dropout = register_module("dropout", torch::nn::Dropout(o.dropout()));
}

torch::Tensor FingerprintMLPImpl::rest(torch::Tensor h) {
  const std::size_t n = layers->size();
  for (std::size_t i = 0; i < n; ++i) {
    h = dropout->forward(apply_activation(activation_, h));
    h = layers[i]->as<torch::nn::Linear>()->forward(h);
  }
  return h;
}

torch::Tensor FingerprintMLPImpl::forward(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 2 && x.size(1) == options.input_dim(), "fp_mlp: expected input [B, ", options.input_dim(),
              "], got ", x.sizes());
  return rest(torch::addmm(input_bias, x, input->weight));
}

torch::Tensor FingerprintMLPImpl::forward_sparse(const torch::Tensor& indices, const torch::Tensor& offsets) {
  TORCH_CHECK(indices.dim() == 1 && offsets.dim() == 1, "fp_mlp: sparse input needs 1-D indices and offsets, got ",
              indices.sizes(), " and ", offsets.sizes());
  TORCH_CHECK(indices.scalar_type() == torch::kInt64 && offsets.scalar_type() == torch::kInt64,
              "fp_mlp: sparse indices and offsets must be int64");
  return rest(input->forward(indices, offsets) + input_bias);
}

void FingerprintMLPImpl::pretty_print(std::ostream& stream) const {
  stream << "hitforge::models::FingerprintMLP(input_dim=" << options.input_dim() << ", hidden=[";
  for (std::size_t i = 0; i < options.hidden().size(); ++i) stream << (i ? ", " : "") << options.hidden()[i];
  stream << "], n_tasks=" << options.n_tasks() << ", activation=" << options.activation()
         << ", dropout=" << options.dropout() << ", sparse_input=" << (options.sparse_input() ? "true" : "false")
         << ")";
}

}  // namespace hitforge::models
