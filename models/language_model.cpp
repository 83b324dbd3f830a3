#include "models/language_model.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/error.h"
#include "models/model_config.h"

namespace hitforge::models {

torch::Tensor LanguageModel::log_likelihood(const torch::Tensor& sequences) {
  TORCH_CHECK(sequences.dim() == 2, "log_likelihood: sequences must be [B, T], got ", sequences.sizes());
  auto lengths = (sequences != specials().pad).sum(1).to(torch::kLong);
  return -sequence_nll(sequences, lengths);
}

SampleResult LanguageModel::sample(const SampleOptions& options, std::optional<at::Generator> generator) {
  const std::int64_t limit = max_sequence_length();
  HITFORGE_REQUIRE(limit <= 0 || options.max_length + 2 <= limit, name(), " reads at most ", limit,
                   " positions (max_positions, <bos> and <eos> included): a max length of ", options.max_length,
                   " tokens is too long; use at most ", limit - 2);
  const bool was_training = is_training();
  eval();
  try {
    auto decoder = make_decoder();
    auto r = sample_sequences(*decoder, options, specials(), std::move(generator));
    train(was_training);
    return r;
  } catch (...) {
    train(was_training);
    throw;
  }
}

std::int64_t LanguageModel::parameter_count() const {
  std::int64_t n = 0;
  for (const auto& p : module()->parameters()) n += p.numel();
  return n;
}

torch::Device LanguageModel::device() const {
  auto params = module()->parameters();
  return params.empty() ? torch::Device(torch::kCPU) : params.front().device();
}

template <typename Net>
Net ModuleLanguageModel<Net>::clone_net(const std::optional<torch::Device>& device) const {
  using Impl = typename Net::ContainedType;
  // LibTorch 1.13's clone() takes c10::optional, a separate type from std::optional.
  auto copy = std::dynamic_pointer_cast<Impl>(
      net_->clone(device ? c10::optional<torch::Device>(*device) : c10::nullopt));
  HITFORGE_CHECK(copy != nullptr, "clone returned another module type");
  return Net(copy);
}
template class ModuleLanguageModel<SmilesLSTM>;
template class ModuleLanguageModel<SmilesTransformer>;

nlohmann::json SmilesLSTMModel::to_json() const { return smiles_lstm_options_to_json(net_->options); }
nlohmann::json SmilesTransformerModel::to_json() const { return smiles_transformer_options_to_json(net_->options); }
nlohmann::json ProteinLMModel::to_json() const { return smiles_transformer_options_to_json(net_->options); }

}  // namespace hitforge::models
