#include <catch2/catch.hpp>
#include <ATen/autocast_mode.h>
#include <torch/torch.h>

#include <cstring>
#include <random>

#include "models/dmpnn.h"
#include "models/graph_ops.h"
#include "model_test_util.h"

using hitforge::models::directed_messages;
using hitforge::models::DMPNN;
using hitforge::models::DMPNNOptions;
using hitforge::models::graph_ops_apply;
using hitforge::models::GraphBatch;
using hitforge::models::repeated_rows_linear;
using hitforge::models::sum_rows_into;

namespace {

// Rows picked from `kinds` one-hot-like patterns (with a second nonzero entry of varying magnitude), as featurised
// atoms and bonds repeat.
torch::Tensor repeated_rows(std::mt19937& rng, std::int64_t n, std::int64_t width, int kinds) {
  std::vector<std::vector<float>> patterns(kinds, std::vector<float>(width, 0.0f));
  for (int k = 0; k < kinds; ++k) {
    patterns[k][k % width] = 1.0f;
    patterns[k][(3 * k + 1) % width] = 0.01f * static_cast<float>(12 + k);  // like the scaled atomic mass
  }
  auto x = torch::empty({n, width});
  std::uniform_int_distribution<int> pick(0, kinds - 1);
  for (std::int64_t i = 0; i < n; ++i) std::memcpy(x[i].data_ptr<float>(), patterns[pick(rng)].data(), width * 4);
  return x;
}

// The graphs' features replaced by repeated patterns.
void make_features_repeat(std::vector<hitforge::core::MolGraph>& graphs, std::mt19937& rng, int atom_dim,
                          int bond_dim) {
  for (auto& g : graphs) {
    auto a = repeated_rows(rng, g.n_atoms, atom_dim, 5), b = repeated_rows(rng, g.n_bonds, bond_dim, 3);
    std::memcpy(g.atom_features.data(), a.data_ptr<float>(), g.atom_features.size() * 4);
    std::memcpy(g.bond_features.data(), b.data_ptr<float>(), g.bond_features.size() * 4);
  }
}

}  // namespace

TEST_CASE("graph_ops equal torch's index_add_ and index_select - index_select bit for bit", "[models]") {
  torch::manual_seed(21);
  const std::int64_t n = 1000, n_out = 97, d = 37;  // a width that is no multiple of any vector length
  // Values of mixed magnitude, so that a different summation order would show in the low bits.
  const auto rows = torch::randn({n, d}) * torch::exp(torch::randn({n, 1}) * 3);
  const auto index = torch::randint(0, n_out, {n}, torch::kLong);
  const auto src = torch::randint(0, n_out, {n}, torch::kLong);
  const auto rev = torch::randperm(n, torch::kLong);
  for (auto dtype : {torch::kFloat, torch::kBFloat16}) {
    CAPTURE(dtype);
    const auto x = rows.to(dtype);
    REQUIRE(graph_ops_apply(x));
    const auto sums = sum_rows_into(x, index, n_out);
    const auto expected_sums = torch::zeros({n_out, d}, x.options()).index_add_(0, index, x);
    CHECK(torch::equal(sums, expected_sums));
    const auto m = directed_messages(sums, x, src, rev);
    CHECK(torch::equal(m, sums.index_select(0, src) - x.index_select(0, rev)));
  }
  // NaN and infinities go through like torch's arithmetic.
  auto special = torch::tensor({{1.0f, std::numeric_limits<float>::infinity()}, {std::nanf(""), 2.0f}});
  const auto s = sum_rows_into(special, torch::tensor({0, 0}, torch::kLong), 1);
  CHECK(std::isnan(s[0][0].item<float>()));
  CHECK(std::isinf(s[0][1].item<float>()));
}

TEST_CASE("graph_ops refuse what they cannot compute: grad, non-contiguous rows, indices out of range",
          "[models]") {
  const auto rows = torch::ones({4, 3});
  CHECK_FALSE(graph_ops_apply(torch::ones({4, 3}, torch::requires_grad())));
  CHECK_FALSE(graph_ops_apply(rows.t()));
  CHECK_FALSE(graph_ops_apply(rows.to(torch::kDouble)));
  CHECK_THROWS_WITH(sum_rows_into(rows, torch::tensor({0, 1, 2, 5}, torch::kLong), 4),
                    Catch::Contains("index[3] = 5 out of range [0, 4)"));
  CHECK_THROWS_WITH(sum_rows_into(rows, torch::tensor({0, -1, 2, 3}, torch::kLong), 4),
                    Catch::Contains("out of range"));
  CHECK_THROWS(sum_rows_into(rows, torch::tensor({0, 1}, torch::kLong), 4));  // wrong length
  CHECK_THROWS_WITH(directed_messages(rows, rows, torch::tensor({0, 1, 2, 3}, torch::kLong),
                                      torch::tensor({1, 0, 3, 4}, torch::kLong)),
                    Catch::Contains("rev[3] = 4 out of range"));
}

TEST_CASE("DMPNN inference through graph_ops equals the autograd path exactly", "[models]") {
  torch::manual_seed(22);
  std::mt19937 rng(22);
  constexpr int kAtomDim = 12, kBondDim = 5;
  auto graphs = hitforge::testing::random_graphs(rng, 40, kAtomDim, kBondDim);
  graphs.insert(graphs.begin() + 3, hitforge::core::MolGraph{});  // an empty molecule in the middle
  const auto batch = GraphBatch::build_from_values(graphs, kAtomDim, kBondDim);
  for (const char* agg : {"mean", "sum"}) {
    DMPNN net(DMPNNOptions(kAtomDim, kBondDim, 2).hidden(48).ffn_hidden(16).depth(4).aggregation(agg));
    net->eval();
    const auto with_grad = net->forward(batch);  // parameters require grad: torch's index ops
    REQUIRE(with_grad.requires_grad());
    torch::NoGradGuard no_grad;
    const auto fused = net->forward(batch);  // no grad: graph_ops
    CHECK(torch::equal(fused, with_grad.detach()));
  }
}

TEST_CASE("repeated_rows_linear equals linear on every row, in fp32 and under bf16 autocast", "[models]") {
  torch::manual_seed(23);
  std::mt19937 rng(23);
  const std::int64_t n = 500, in = 29, out = 70;  // out: no multiple of a vector length
  auto x = repeated_rows(rng, n, in, 7);
  x[5][0] = -0.0f;  // a row that differs from its pattern only in the sign of a zero: another distinct row
  x[9][3] = std::nanf("");
  const auto w = torch::randn({out, in});
  const auto bias = torch::randn({out});
  torch::NoGradGuard no_grad;
  for (bool with_bias : {true, false}) {
    CAPTURE(with_bias);
    const auto b = with_bias ? bias : torch::Tensor();
    const auto y = repeated_rows_linear(x, w, b);
    REQUIRE(y.defined());
    const auto expected = torch::nn::functional::linear(x, w, b);
    CHECK(torch::allclose(y.nan_to_num(0),
                          expected.nan_to_num(0), 1e-5, 1e-5));
    CHECK(torch::isnan(y[9]).all().item<bool>());
    CHECK_FALSE(torch::isnan(y[8]).any().item<bool>());
  }
  {
    at::autocast::set_cpu_enabled(true);
    const auto y = repeated_rows_linear(x, w, bias);
    const auto expected = torch::nn::functional::linear(x, w, bias);
    at::autocast::clear_cache();
    at::autocast::set_cpu_enabled(false);
    REQUIRE(y.scalar_type() == torch::kBFloat16);
    REQUIRE(expected.scalar_type() == torch::kBFloat16);
    // The same bfloat16 products; only the GEMM kernel for fewer rows may sum in another order.
    CHECK(torch::allclose(y.to(torch::kFloat).nan_to_num(0), expected.to(torch::kFloat).nan_to_num(0), 1e-2, 1e-2));
  }
  // Where it does not apply it says so (undefined), and the caller takes the dense product.
  CHECK_FALSE(repeated_rows_linear(torch::randn({n, in}), w, bias).defined());  // every row distinct
  CHECK_FALSE(repeated_rows_linear(x.to(torch::kDouble), w.to(torch::kDouble), bias).defined());
  CHECK_FALSE(repeated_rows_linear(x.t(), w.t(), bias).defined());  // not contiguous
  {
    torch::AutoGradMode grad(true);
    CHECK_FALSE(repeated_rows_linear(x, w.clone().requires_grad_(), bias).defined());
    CHECK(repeated_rows_linear(x, w, bias).defined());  // nothing needs a gradient
  }
  CHECK(repeated_rows_linear(torch::empty({0, in}), w, bias).sizes() == torch::IntArrayRef({0, out}));
}

TEST_CASE("DMPNN inference on repeated atom and bond features agrees with the autograd path", "[models]") {
  torch::manual_seed(24);
  std::mt19937 rng(24);
  constexpr int kAtomDim = 12, kBondDim = 5;
  auto graphs = hitforge::testing::random_graphs(rng, 60, kAtomDim, kBondDim);
  make_features_repeat(graphs, rng, kAtomDim, kBondDim);
  graphs.insert(graphs.begin() + 7, hitforge::core::MolGraph{});
  const auto batch = GraphBatch::build_from_values(graphs, kAtomDim, kBondDim);
  DMPNN net(DMPNNOptions(kAtomDim, kBondDim, 2).hidden(48).ffn_hidden(16).depth(3).bias(true));
  net->eval();
  for (bool bf16 : {false, true}) {
    CAPTURE(bf16);
    at::autocast::set_cpu_enabled(bf16);
    const auto with_grad = net->forward(batch).to(torch::kFloat);  // torch's dense products and index ops
    torch::Tensor fast;
    {
      torch::NoGradGuard no_grad;
      // Distinct rows: far fewer than rows, so that the repeated-rows products run (checked here, not assumed).
      REQUIRE(repeated_rows_linear(batch.bond_features, net->W_i->weight, net->W_i->bias).defined());
      REQUIRE(repeated_rows_linear(batch.atom_features, net->W_o->weight.narrow(1, 0, kAtomDim), net->W_o->bias)
                  .defined());
      fast = net->forward(batch).to(torch::kFloat);
    }
    at::autocast::clear_cache();
    at::autocast::set_cpu_enabled(false);
    const double spread = with_grad.std().item<double>();
    REQUIRE(spread > 0);
    const double worst = (fast - with_grad.detach()).abs().max().item<double>();
    CAPTURE(spread, worst);
    // fp32: the same products summed in another order; bf16: W_o's halves are rounded separately as well.
    CHECK(worst <= (bf16 ? 0.05 : 1e-5) * spread);
  }
}
