#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/error.h"
#include "models/dta.h"
#include "models/model_config.h"
#include "model_test_util.h"

using hitforge::core::MolGraph;
using hitforge::core::UsageError;
using hitforge::models::DMPNNOptions;
using hitforge::models::DTA;
using hitforge::models::DTAInput;
using hitforge::models::DTAModel;
using hitforge::models::DTAOptions;
using hitforge::models::FingerprintMLPOptions;
using hitforge::models::GraphBatch;
using hitforge::models::ModelDims;
using hitforge::models::ModelInput;
using nlohmann::json;

namespace {

constexpr int kAtomDim = 12, kBondDim = 5, kVocab = 25;

// A small DTA with a graph encoder: receptive field 1 + 2 + 4 + 2 = 9 residues.
DTAOptions small_graph(double dropout = 0.0) {
  return DTAOptions(DMPNNOptions(kAtomDim, kBondDim).hidden(32).ffn_hidden(32))
      .ligand_dim(16)
      .protein_embedding_dim(8)
      .protein_filters({8, 12, 16})
      .protein_kernel_sizes({3, 5, 3})
      .head_hidden({32, 16})
      .dropout(dropout);
}

// Random residue ids (4..24, never pad) of the given length.
std::vector<std::int32_t> random_protein(std::mt19937& rng, int length) {
  std::uniform_int_distribution<int> aa(4, kVocab - 1);
  std::vector<std::int32_t> s(length);
  for (auto& v : s) v = aa(rng);
  return s;
}

struct Batch {
  std::vector<MolGraph> graphs;
  std::vector<std::vector<std::int32_t>> proteins;
  DTAInput input;
};

// `n_lig` × `n_prot` random molecules and proteins and every pair between them (ligand-major).
Batch all_pairs(std::mt19937& rng, int n_lig, int n_prot, std::vector<int> lengths = {}) {
  Batch b;
  b.graphs = hitforge::testing::random_graphs(rng, n_lig, kAtomDim, kBondDim);
  for (int p = 0; p < n_prot; ++p)
    b.proteins.push_back(random_protein(rng, lengths.empty() ? 20 + 7 * p : lengths[static_cast<size_t>(p)]));
  std::vector<const std::vector<std::int32_t>*> ptrs;
  for (const auto& s : b.proteins) ptrs.push_back(&s);
  std::vector<std::int64_t> li, pi;
  for (int l = 0; l < n_lig; ++l)
    for (int p = 0; p < n_prot; ++p) li.push_back(l), pi.push_back(p);
  b.input.ligands = ModelInput::from_graph(GraphBatch::build_from_values(b.graphs, kAtomDim, kBondDim));
  b.input.protein_tokens = DTAInput::pad_tokens(ptrs);
  b.input.ligand_index = DTAInput::index_tensor(li);
  b.input.protein_index = DTAInput::index_tensor(pi);
  return b;
}

}  // namespace

TEST_CASE("DTA gives [B, n_tasks] for graph, dense and sparse ligands", "[models]") {
  torch::manual_seed(1);
  std::mt19937 rng(1);
  Batch b = all_pairs(rng, 3, 2);
  DTA net(small_graph().n_tasks(2));
  net->eval();
  auto out = net->forward(b.input);
  CHECK(out.sizes() == torch::IntArrayRef({6, 2}));
  CHECK(out.scalar_type() == torch::kFloat32);
  CHECK(net->encode_ligands(b.input.ligands).sizes() == torch::IntArrayRef({3, 16}));
  CHECK(net->encode_proteins(b.input.protein_tokens).sizes() == torch::IntArrayRef({2, 16}));

  // Fingerprint encoder: dense and sparse paths give the same outputs for 0/1 bits.
  DTAOptions fo(FingerprintMLPOptions(64).hidden({32}));
  fo.ligand_dim(16).protein_embedding_dim(8).protein_filters({8}).protein_kernel_sizes({4}).head_hidden({16});
  DTA fp(fo);
  fp->eval();
  std::vector<std::uint8_t> packed(3 * 8);
  for (auto& v : packed) v = static_cast<std::uint8_t>(rng());
  auto bits = hitforge::models::packed_bits_to_indices(packed.data(), 3, 64);
  auto dense = torch::zeros({3, 64});
  for (int r = 0; r < 3; ++r)
    for (int j = 0; j < 64; ++j) dense[r][j] = static_cast<float>((packed[r * 8 + j / 8] >> (j % 8)) & 1);
  DTAInput sparse_in = b.input, dense_in = b.input;
  sparse_in.ligands = ModelInput::from_sparse(bits);
  dense_in.ligands = ModelInput::from_dense(dense);
  CHECK(torch::allclose(fp->forward(sparse_in), fp->forward(dense_in), 1e-5, 1e-5));
  // Each encoder refuses the other's input.
  CHECK_THROWS_AS(fp->forward(b.input), UsageError);
  CHECK_THROWS_AS(net->forward(dense_in), UsageError);
}

TEST_CASE("DTA protein encoding ignores batch padding, including proteins shorter than the receptive field",
          "[models]") {
  torch::manual_seed(2);
  std::mt19937 rng(2);
  DTA net(small_graph());
  net->eval();
  REQUIRE(net->options.protein_receptive_field() == 9);
  const auto longp = random_protein(rng, 60), mid = random_protein(rng, 12), tiny = random_protein(rng, 4);
  for (const auto* p : {&mid, &tiny}) {
    auto alone = net->encode_proteins(DTAInput::pad_tokens({p}));
    auto batched = net->encode_proteins(DTAInput::pad_tokens({&longp, p}))[1];
    CHECK(torch::allclose(alone[0], batched, 1e-6, 1e-6));
    // Extra trailing padding changes nothing either.
    auto padded = torch::constant_pad_nd(DTAInput::pad_tokens({p}), {0, 25}, 0);
    CHECK(torch::allclose(alone, net->encode_proteins(padded), 1e-6, 1e-6));
  }
  // A residue past the valid window of a 12-residue protein would change it if masking leaked: it does not exist,
  // but changing a real residue does change the encoding (the mask is not hiding everything).
  auto mid2 = mid;
  mid2.back() = mid2.back() == 4 ? 5 : 4;
  CHECK_FALSE(torch::allclose(net->encode_proteins(DTAInput::pad_tokens({&mid})),
                              net->encode_proteins(DTAInput::pad_tokens({&mid2}))));
  // Pair outputs: the same pair scored in a batch with a long protein or alone.
  auto g = hitforge::testing::random_graphs(rng, 1, kAtomDim, kBondDim);
  DTAInput one, two;
  one.ligands = two.ligands = ModelInput::from_graph(GraphBatch::build_from_values(g, kAtomDim, kBondDim));
  one.protein_tokens = DTAInput::pad_tokens({&mid});
  one.ligand_index = DTAInput::index_tensor({0});
  one.protein_index = DTAInput::index_tensor({0});
  two.protein_tokens = DTAInput::pad_tokens({&longp, &mid});
  two.ligand_index = DTAInput::index_tensor({0, 0});
  two.protein_index = DTAInput::index_tensor({0, 1});
  CHECK(torch::allclose(net->forward(one)[0], net->forward(two)[1], 1e-5, 1e-6));
}

TEST_CASE("DTA gradients reach every parameter except the fixed pad embedding row", "[models]") {
  torch::manual_seed(3);
  std::mt19937 rng(3);
  Batch b = all_pairs(rng, 3, 3);
  DTA net(small_graph(0.1));
  net->train();
  net->forward(b.input).pow(2).sum().backward();
  for (const auto& p : net->named_parameters()) {
    INFO(p.key());
    REQUIRE(p.value().grad().defined());
    CHECK(p.value().grad().abs().sum().item<float>() > 0.0f);
  }
  CHECK(net->protein_embedding->weight.grad()[0].abs().sum().item<float>() == 0.0f);
  CHECK(net->protein_embedding->weight[0].abs().sum().item<float>() == 0.0f);
}

TEST_CASE("DTA overfits 20 drug–target pairs and beats the mean predictor", "[models]") {
  torch::manual_seed(4);
  std::mt19937 rng(4);
  Batch b = all_pairs(rng, 5, 4);  // 20 pairs
  // pKd-like affinities, standardised as the trainer does (a raw mean of ~7 would only teach the output bias).
  auto y = 5.0 + 4.0 * torch::rand({20, 1});
  const auto mean = y.mean(), sd = y.std();
  const auto z = (y - mean) / sd;
  const float baseline = torch::mse_loss(mean.expand_as(y), y).item<float>();
  DTA net(small_graph());
  torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(3e-3));
  float mse = 1e9f;
  int step = 0;
  for (; step < 1000 && mse >= 1e-3f; ++step) {
    opt.zero_grad();
    auto l = torch::mse_loss(net->forward(b.input), z);
    l.backward();
    opt.step();
    mse = l.item<float>() * sd.item<float>() * sd.item<float>();  // in pKd units
  }
  INFO("steps " << step << ", MSE " << mse << ", mean-predictor MSE " << baseline);
  CHECK(mse < 1e-3f);
  CHECK(mse < 0.01f * baseline);
}

TEST_CASE("DTA runs on any available device and matches the CPU", "[models]") {
  torch::manual_seed(5);
  std::mt19937 rng(5);
  Batch b = all_pairs(rng, 2, 3);
  auto model = std::make_shared<DTAModel>(DTA(small_graph()));
  model->eval();
  auto cpu = model->forward(b.input);
  std::vector<torch::Device> devices;
  if (torch::cuda::is_available()) devices.emplace_back(torch::kCUDA, 0);
  if (devices.empty()) SUCCEED("no accelerator here; the CPU path is covered above");
  for (const auto& d : devices) {
    auto moved = model->clone(d);
    moved->eval();
    auto out = moved->forward(b.input.to(d));
    CHECK(out.device() == d);
    CHECK(torch::allclose(out.cpu(), cpu, 1e-4, 1e-4));
  }
  // Out-of-range indices are a clear error, not a device-side assert.
  DTAInput bad = b.input;
  bad.protein_index = DTAInput::index_tensor({0, 1, 2, 3, 0, 1});
  CHECK_THROWS_WITH(model->forward(bad), Catch::Contains("protein_index in [0, 3)"));
}

TEST_CASE("dta registry: config round trip, spec, clone and clear errors", "[models]") {
  torch::manual_seed(6);
  ModelDims dims;
  dims.atom_dim = kAtomDim;
  dims.bond_dim = kBondDim;
  dims.vocab_size = kVocab;
  json cfg = {{"ligand", {{"hidden", 24}, {"depth", 2}}},
              {"ligand_dim", 8},
              {"protein_filters", {4, 4}},
              {"protein_kernel_sizes", {3, 3}},
              {"head_hidden", {16}},
              {"dropout", 0.0}};
  auto model = hitforge::models::make_pair_model("dta", cfg, dims);
  CHECK(model->name() == "dta");
  CHECK(model->ligand_input() == ModelInput::Kind::graph);
  json resolved = model->to_json();
  CHECK(resolved["ligand_encoder"] == "dmpnn");
  CHECK(resolved["ligand"]["hidden"] == 24);
  CHECK_FALSE(resolved["ligand"].contains("n_tasks"));
  CHECK(resolved["protein_vocab_size"] == kVocab);
  // The spec rebuilds the same architecture; weights copied through an archive give the same outputs.
  auto rebuilt = hitforge::models::make_pair_model(hitforge::models::model_spec(*model));
  CHECK(rebuilt->to_json() == resolved);
  CHECK(rebuilt->parameter_count() == model->parameter_count());
  std::stringstream buf;
  torch::serialize::OutputArchive out;
  model->module()->save(out);
  out.save_to(buf);
  torch::serialize::InputArchive in;
  in.load_from(buf);
  rebuilt->module()->load(in);
  std::mt19937 rng(6);
  Batch b = all_pairs(rng, 2, 2);
  model->eval();
  rebuilt->eval();
  CHECK(torch::allclose(model->forward(b.input), rebuilt->forward(b.input)));
  auto copy = model->clone();
  {
    torch::NoGradGuard ng;
    for (auto& p : copy->module()->parameters()) p.add_(1.0);
  }
  CHECK_FALSE(torch::allclose(model->forward(b.input), copy->forward(b.input)));

  // Fingerprint ligands are picked from the data's sizes.
  ModelDims fp_dims;
  fp_dims.input_dim = 128;
  auto fp = hitforge::models::make_pair_model("dta", json{{"ligand", {{"sparse_input", true}}}}, fp_dims);
  CHECK(fp->to_json()["ligand_encoder"] == "fp_mlp");
  CHECK(fp->ligand_input() == ModelInput::Kind::sparse);

  CHECK_THROWS_WITH(hitforge::models::make_model("dta", json(), dims), Catch::Contains("pair model"));
  CHECK_THROWS_WITH(hitforge::models::make_pair_model("dtx", json(), dims), Catch::Contains("known: dta"));
  CHECK_THROWS_WITH(hitforge::models::make_pair_model("dta", json{{"ligand", {{"n_tasks", 3}}}}, dims),
                    Catch::Contains("ligand_dim"));
  CHECK_THROWS_WITH(hitforge::models::make_pair_model("dta", json{{"protein_filter", {4}}}, dims),
                    Catch::Contains("unknown key 'protein_filter'"));
  CHECK_THROWS_AS(hitforge::models::make_pair_model("dta", json{{"protein_kernel_sizes", {3}}}, dims), UsageError);
  CHECK_THROWS_AS(hitforge::models::make_pair_model("dta", json{{"ligand_encoder", "cnn"}}, dims), UsageError);
  CHECK(hitforge::models::known_pair_models() == std::vector<std::string>{"dta"});
  CHECK(hitforge::models::is_pair_model("dta"));
}
