#pragma once
// Activation functions chosen by name in model options ("relu", "leaky_relu", "gelu", "tanh", "elu", "selu").
#include <string>
#include <vector>

#include <torch/types.h>

namespace hitforge::models {

enum class Activation { relu, leaky_relu, gelu, tanh, elu, selu };

/// Throws core::UsageError listing the known names for anything else.
Activation parse_activation(const std::string& name);
const std::vector<std::string>& known_activations();
/// Out of place; same shape and dtype as x.
torch::Tensor apply_activation(Activation a, const torch::Tensor& x);

}  // namespace hitforge::models
