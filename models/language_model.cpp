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

nlohmann::json SmilesLSTMModel::to_json() const { return smiles_lstm_options_to_json(net_->options); }

std::shared_ptr<LanguageModel> SmilesLSTMModel::clone(const std::optional<torch::Device>& device) const {
  // LibTorch 1.13's clone() takes c10::optional, a separate type from std::optional.
  auto copy = std::dynamic_pointer_cast<SmilesLSTMImpl>(
      net_->clone(device ? c10::optional<torch::Device>(*device) : c10::nullopt));
  HITFORGE_CHECK(copy != nullptr, "clone returned another module type");
  return std::make_shared<SmilesLSTMModel>(SmilesLSTM(copy));
}

}  // namespace hitforge::models
