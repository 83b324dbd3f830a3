#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "models/dmpnn.h"
#include "models/graph_ops.h"
#include "model_test_util.h"

using hitforge::models::directed_messages;
using hitforge::models::DMPNN;
using hitforge::models::DMPNNOptions;
using hitforge::models::graph_ops_apply;
using hitforge::models::GraphBatch;
using hitforge::models::sum_rows_into;

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
