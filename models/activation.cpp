#include "models/activation.h"

#include <torch/torch.h>

#include "core/error.h"

namespace hitforge::models {

const std::vector<std::string>& known_activations() {
  static const std::vector<std::string> names{"relu", "leaky_relu", "gelu", "tanh", "elu", "selu"};
  return names;
}

Activation parse_activation(const std::string& name) {
  const auto& names = known_activations();
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<Activation>(i);
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  throw core::UsageError(core::str_cat("unknown activation '", name, "' (known: ", list, ")"));
}

torch::Tensor apply_activation(Activation a, const torch::Tensor& x) {
  switch (a) {
    case Activation::relu: return torch::relu(x);
    case Activation::leaky_relu: return torch::leaky_relu(x, 0.01);
    case Activation::gelu: return torch::gelu(x);
    case Activation::tanh: return torch::tanh(x);
    case Activation::elu: return torch::elu(x);
    case Activation::selu: return torch::selu(x);
  }
  HITFORGE_CHECK(false, "unhandled activation");
  return x;
}

}  // namespace hitforge::models
