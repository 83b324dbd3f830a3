#include <catch2/catch.hpp>
#include <torch/torch.h>

#include "core/error.h"
#include "models/dmpnn.h"
#include "model_test_util.h"

using hitforge::core::MolGraph;
using hitforge::models::DMPNN;
using hitforge::models::DMPNNOptions;
using hitforge::models::GraphBatch;

namespace {

constexpr int kAtomDim = 12, kBondDim = 5;

DMPNNOptions small(std::int64_t n_tasks = 1) { return DMPNNOptions(kAtomDim, kBondDim, n_tasks).hidden(32).ffn_hidden(16); }

// Copies parameters and buffers of `from` into `to` (same architecture).
void copy_state(torch::nn::Module& from, torch::nn::Module& to) {
  torch::NoGradGuard no_grad;
  auto dst = to.named_parameters();
  for (const auto& p : from.named_parameters()) dst[p.key()].copy_(p.value());
  auto dst_buffers = to.named_buffers();
  for (const auto& b : from.named_buffers()) dst_buffers[b.key()].copy_(b.value());
}

}  // namespace

TEST_CASE("DMPNN gives [n_mols, n_tasks]; an empty molecule embeds as zeros", "[models]") {
  torch::manual_seed(10);
  std::mt19937 rng(10);
  auto graphs = hitforge::testing::random_graphs(rng, 3, kAtomDim, kBondDim);
  graphs.insert(graphs.begin() + 1, MolGraph{});
  const auto batch = GraphBatch::build_from_values(graphs, kAtomDim, kBondDim);
  for (const char* agg : {"mean", "sum", "norm"}) {
    DMPNN net(small(4).aggregation(agg).depth(3));
    net->eval();
    torch::NoGradGuard no_grad;
    const auto emb = net->encode(batch);
    REQUIRE(emb.sizes() == torch::IntArrayRef({4, 32}));
    CHECK(emb[1].abs().sum().item<float>() == 0.0f);
    CHECK(emb[0].abs().sum().item<float>() > 0.0f);
    const auto out = net->forward(batch);
    REQUIRE(out.sizes() == torch::IntArrayRef({4, 4}));
    REQUIRE(out.scalar_type() == torch::kFloat32);
  }
  // Depth 1 (no update step, no W_h) still works.
  DMPNN shallow(small().depth(1));
  CHECK(shallow->forward(batch).sizes() == torch::IntArrayRef({4, 1}));
  CHECK(shallow->named_parameters().find("W_h.weight") == nullptr);
}

TEST_CASE("DMPNN gradients reach every parameter (bias, batch norm, extra features, 3 FFN layers)", "[models]") {
  torch::manual_seed(11);
  std::mt19937 rng(11);
  const auto graphs = hitforge::testing::random_graphs(rng, 5, kAtomDim, kBondDim);
  const auto batch = GraphBatch::build_from_values(graphs, kAtomDim, kBondDim);
  DMPNN net(small(2).bias(true).batch_norm(true).extra_features_dim(3).ffn_layers(3).dropout(0.1));
  const auto out = net->forward(batch, torch::randn({5, 3}));
  REQUIRE(out.sizes() == torch::IntArrayRef({5, 2}));
  out.pow(2).sum().backward();
  for (const auto& p : net->named_parameters()) {
    INFO("parameter " << p.key());
    REQUIRE(p.value().grad().defined());
    CHECK(p.value().grad().abs().sum().item<float>() > 0);
  }
  CHECK_THROWS_AS(net->forward(batch), c10::Error);                        // extra features missing
  CHECK_THROWS_AS(net->forward(batch, torch::randn({5, 4})), c10::Error);  // wrong width
}

TEST_CASE("DMPNN output does not depend on atom and bond numbering", "[models]") {
  torch::manual_seed(12);
  std::mt19937 rng(12);
  const auto graphs = hitforge::testing::random_graphs(rng, 6, kAtomDim, kBondDim, 4, 14);
  std::vector<MolGraph> permuted;
  for (const auto& g : graphs) permuted.push_back(hitforge::testing::permuted_graph(g, rng, kAtomDim, kBondDim));
  for (const char* agg : {"mean", "sum"}) {
    DMPNN net(small(2).aggregation(agg).depth(4).bias(true));
    net->eval();
    torch::NoGradGuard no_grad;
    const auto a = net->forward(GraphBatch::build_from_values(graphs, kAtomDim, kBondDim));
    const auto b = net->forward(GraphBatch::build_from_values(permuted, kAtomDim, kBondDim));
    INFO("aggregation " << agg << ", max difference " << (a - b).abs().max().item<float>());
    CHECK(torch::allclose(a, b, 1e-5, 1e-5));
  }
}

TEST_CASE("DMPNN aggregations: sum = mean x atom count, norm = sum / 100", "[models]") {
  torch::manual_seed(13);
  std::mt19937 rng(13);
  const std::vector<MolGraph> graphs{hitforge::testing::random_graph(rng, 4, kAtomDim, kBondDim),
                                     hitforge::testing::random_graph(rng, 9, kAtomDim, kBondDim)};
  const auto batch = GraphBatch::build_from_values(graphs, kAtomDim, kBondDim);
  DMPNN mean(small().aggregation("mean")), sum(small().aggregation("sum")), norm(small().aggregation("norm"));
  copy_state(*mean, *sum);
  copy_state(*mean, *norm);
  torch::NoGradGuard no_grad;
  const auto e_mean = mean->encode(batch), e_sum = sum->encode(batch), e_norm = norm->encode(batch);
  CHECK(torch::allclose(e_sum, e_mean * torch::tensor({4.f, 9.f}).unsqueeze(1), 1e-5, 1e-5));
  CHECK(torch::allclose(e_norm, e_sum / 100, 1e-6, 1e-7));
  CHECK_FALSE(torch::allclose(e_sum, e_mean));
}

TEST_CASE("DMPNN is deterministic on CPU for a fixed seed, dropout included", "[models]") {
  std::mt19937 rng(14);
  const auto batch = GraphBatch::build_from_values(hitforge::testing::random_graphs(rng, 8, kAtomDim, kBondDim), kAtomDim, kBondDim);
  auto run = [&] {
    torch::manual_seed(99);
    DMPNN net(small().dropout(0.2));
    net->train();
    return net->forward(batch);
  };
  CHECK(torch::equal(run(), run()));
}

TEST_CASE("DMPNN clone is a deep copy", "[models]") {
  torch::manual_seed(15);
  std::mt19937 rng(15);
  const auto batch = GraphBatch::build_from_values(hitforge::testing::random_graphs(rng, 3, kAtomDim, kBondDim), kAtomDim, kBondDim);
  DMPNN net(small().batch_norm(true));
  net->eval();
  auto copy = std::dynamic_pointer_cast<hitforge::models::DMPNNImpl>(net->clone());
  REQUIRE(copy);
  torch::NoGradGuard no_grad;
  CHECK(torch::equal(net->forward(batch), copy->forward(batch)));
  copy->W_o->weight.add_(1.0);
  CHECK_FALSE(torch::equal(net->forward(batch), copy->forward(batch)));
}

TEST_CASE("DMPNN overfits 16 random molecules", "[models]") {
  torch::manual_seed(16);
  std::mt19937 rng(16);
  const auto batch =
      GraphBatch::build_from_values(hitforge::testing::random_graphs(rng, 16, kAtomDim, kBondDim), kAtomDim, kBondDim);
  const auto y = torch::randn({16, 1});
  DMPNN net(DMPNNOptions(kAtomDim, kBondDim).hidden(64).ffn_hidden(64).depth(3));
  torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(3e-3));
  float loss = 1e9f;
  int step = 0;
  for (; step < 500 && loss >= 1e-3f; ++step) {
    opt.zero_grad();
    auto l = torch::mse_loss(net->forward(batch), y);
    l.backward();
    opt.step();
    loss = l.item<float>();
  }
  INFO("steps " << step);
  CHECK(loss < 1e-3f);
}

TEST_CASE("DMPNN rejects bad options and mismatched batches", "[models]") {
  using hitforge::core::UsageError;
  CHECK_THROWS_WITH(DMPNN(small().aggregation("max")), Catch::Contains("max") && Catch::Contains("mean"));
  CHECK_THROWS_AS(DMPNN(small().depth(0)), UsageError);
  CHECK_THROWS_AS(DMPNN(small().ffn_layers(0)), UsageError);
  CHECK_THROWS_AS(DMPNN(small().dropout(-0.1)), UsageError);
  std::mt19937 rng(17);
  const auto g = hitforge::testing::random_graph(rng, 5, kAtomDim + 1, kBondDim);
  DMPNN net(small());
  CHECK_THROWS_AS(net->forward(GraphBatch::build({&g}, kAtomDim + 1, kBondDim)), c10::Error);
}
