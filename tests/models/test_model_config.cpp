#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/error.h"
#include "models/model_config.h"
#include "model_test_util.h"

using hitforge::core::UsageError;
using hitforge::models::GraphBatch;
using hitforge::models::make_model;
using hitforge::models::ModelDims;
using hitforge::models::ModelInput;
using hitforge::models::PropertyModel;
using nlohmann::json;

namespace {

// Weights travel as a checkpoint would carry them: through a torch archive.
void copy_state_via_archive(const PropertyModel& from, PropertyModel& to) {
  std::stringstream buffer;
  torch::serialize::OutputArchive out;
  from.module()->save(out);
  out.save_to(buffer);
  torch::serialize::InputArchive in;
  in.load_from(buffer);
  to.module()->load(in);
}

ModelDims graph_dims() {
  ModelDims d;
  d.atom_dim = 10;
  d.bond_dim = 4;
  d.n_tasks = 2;
  return d;
}

}  // namespace

TEST_CASE("Model config JSON round trip rebuilds an identical model", "[models]") {
  torch::manual_seed(20);
  std::mt19937 rng(20);
  SECTION("fp_mlp") {
    ModelDims dims;
    dims.input_dim = 128;
    auto a = make_model("fp_mlp", json{{"hidden", {32, 16}}, {"dropout", 0.25}, {"activation", "leaky_relu"},
                                       {"n_tasks", 3}, {"sparse_input", true}}, dims);
    const json config = a->to_json();
    CHECK(config.size() == 6);
    CHECK(config["input_dim"] == 128);
    CHECK(config["hidden"] == json({32, 16}));
    CHECK(a->preferred_input() == ModelInput::Kind::sparse);
    auto b = make_model(a->name(), config);
    CHECK(b->to_json() == config);
    CHECK(b->parameter_count() == a->parameter_count());
    copy_state_via_archive(*a, *b);
    a->eval();
    b->eval();
    const auto x = ModelInput::from_dense((torch::rand({5, 128}) < 0.2).to(torch::kFloat32));
    torch::NoGradGuard no_grad;
    CHECK(torch::equal(a->forward(x), b->forward(x)));
    CHECK(a->forward(x).sizes() == torch::IntArrayRef({5, 3}));
  }
  SECTION("dmpnn, through model_spec") {
    auto dims = graph_dims();
    dims.extra_features_dim = 3;
    auto a = make_model("dmpnn", json{{"hidden", 24}, {"depth", 2}, {"aggregation", "norm"}, {"bias", true},
                                      {"batch_norm", true}, {"ffn_layers", 3}, {"ffn_hidden", 8}, {"dropout", 0.1},
                                      {"aggregation_norm", 50.0}}, dims);
    const json spec = hitforge::models::model_spec(*a);
    CHECK(spec["name"] == "dmpnn");
    CHECK(spec["config"].size() == 13);
    auto b = make_model(json::parse(spec.dump()));
    CHECK(b->to_json() == a->to_json());
    CHECK(b->parameter_count() == a->parameter_count());
    // Run a training step on `a` so batch-norm running statistics differ from a fresh model's.
    const auto graphs = hitforge::testing::random_graphs(rng, 4, 10, 4);
    const auto in = ModelInput::from_graph(GraphBatch::build_from_values(graphs, 10, 4), torch::randn({4, 3}));
    a->train();
    a->forward(in);
    copy_state_via_archive(*a, *b);
    a->eval();
    b->eval();
    torch::NoGradGuard no_grad;
    CHECK(torch::equal(a->forward(in), b->forward(in)));
    CHECK(a->forward(in).sizes() == torch::IntArrayRef({4, 2}));
  }
}

TEST_CASE("PropertyModel forward takes dense, sparse or graph input as the model allows", "[models]") {
  torch::manual_seed(21);
  ModelDims dims;
  dims.input_dim = 40;
  auto mlp = make_model("fp_mlp", json{{"hidden", {8}}}, dims);
  mlp->eval();
  const auto bits = (torch::rand({3, 40}) < 0.3).to(torch::kFloat32);
  const auto nz = bits.nonzero();  // [nnz, 2] rows ascending
  const auto counts = bits.sum(1).to(torch::kInt64);
  const auto offsets = torch::cat({torch::zeros({1}, torch::kInt64), counts.cumsum(0).slice(0, 0, 2)});
  torch::NoGradGuard no_grad;
  CHECK(torch::allclose(mlp->forward(ModelInput::from_dense(bits)),
                        mlp->forward(ModelInput::from_sparse(nz.select(1, 1).contiguous(), offsets)), 0, 1e-5));
  CHECK(ModelInput::from_sparse(nz.select(1, 1), offsets).batch_size() == 3);

  std::mt19937 rng(21);
  const auto graph_in =
      ModelInput::from_graph(GraphBatch::build_from_values(hitforge::testing::random_graphs(rng, 2, 10, 4), 10, 4));
  CHECK(graph_in.batch_size() == 2);
  CHECK_THROWS_WITH(mlp->forward(graph_in), Catch::Contains("dmpnn"));
  auto dmpnn = make_model("dmpnn", json::object(), graph_dims());
  CHECK(dmpnn->forward(graph_in).sizes() == torch::IntArrayRef({2, 2}));
  CHECK_THROWS_AS(dmpnn->forward(ModelInput::from_dense(bits)), UsageError);

  // A clone is an independent model with the same outputs.
  auto copy = dmpnn->clone();
  dmpnn->eval();
  copy->eval();
  CHECK(torch::equal(dmpnn->forward(graph_in), copy->forward(graph_in)));
  CHECK(copy->module().get() != dmpnn->module().get());
}

TEST_CASE("Bad model configs are UsageErrors that say what is known", "[models]") {
  ModelDims fp;
  fp.input_dim = 64;
  CHECK_THROWS_WITH(make_model("gnn", json::object(), fp), Catch::Contains("dmpnn") && Catch::Contains("fp_mlp"));
  CHECK_THROWS_WITH(make_model("fp_mlp", json{{"hiden", {8}}}, fp),
                    Catch::Contains("hiden") && Catch::Contains("hidden") && Catch::Contains("sparse_input"));
  CHECK_THROWS_WITH(make_model("fp_mlp", json{{"hidden", "64"}}, fp), Catch::Contains("hidden"));
  CHECK_THROWS_AS(make_model("fp_mlp", json{{"hidden", {8.5}}}, fp), UsageError);
  CHECK_THROWS_AS(make_model("fp_mlp", json{{"dropout", "0.1"}}, fp), UsageError);
  CHECK_THROWS_AS(make_model("fp_mlp", json{{"sparse_input", 1}}, fp), UsageError);
  CHECK_THROWS_AS(make_model("fp_mlp", json::array(), fp), UsageError);
  CHECK_THROWS_WITH(make_model("fp_mlp", json::object()), Catch::Contains("input_dim"));  // no size anywhere
  CHECK_THROWS_WITH(make_model("fp_mlp", json{{"input_dim", 32}}, fp), Catch::Contains("64"));  // disagrees
  CHECK_NOTHROW(make_model("fp_mlp", json{{"input_dim", 64}}, fp));
  CHECK_THROWS_WITH(make_model("fp_mlp", json{{"activation", "swish"}}, fp), Catch::Contains("relu"));
  CHECK_THROWS_WITH(make_model("dmpnn", json{{"aggregation", "max"}}, graph_dims()), Catch::Contains("mean"));
  CHECK_THROWS_AS(make_model("dmpnn", json{{"depth", -1}}, graph_dims()), UsageError);
  CHECK_THROWS_AS(make_model("dmpnn", json{{"hidden", 0}}, graph_dims()), UsageError);
  CHECK_THROWS_WITH(make_model("dmpnn", json{{"hidden", 8}}), Catch::Contains("atom_dim"));
  CHECK_THROWS_AS(make_model(json{{"name", "dmpnn"}, {"confg", json::object()}}), UsageError);
  CHECK_THROWS_AS(make_model(json{{"config", json::object()}}), UsageError);
}
