#include "train/pair_run.h"

#include <torch/torch.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "chem/tokenizers/protein_tokenizer.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/torch_runtime.h"
#include "models/model_config.h"
#include "train/pair_batch.h"
#include "train/train_state.h"

namespace hitforge::train {
namespace fs = std::filesystem;
using core::str_cat;

namespace {

chem::FeatureKind parse_kind(const std::string& s) {
  for (auto k : {chem::FeatureKind::packed_bits, chem::FeatureKind::counts_u8, chem::FeatureKind::dense_f32,
                 chem::FeatureKind::graph, chem::FeatureKind::tokens})
    if (s == chem::to_string(k)) return k;
  throw core::UsageError(str_cat("unknown feature kind '", s, "' in a pair run manifest"));
}

}  // namespace

nlohmann::json PairRunManifest::to_json() const {
  return {{"format", "hitforge-pair-run"},
          {"format_version", 1},
          {"hitforge_version", hitforge_version},
          {"model", model},
          {"ligand_block",
           {{"name", ligand_block.name},
            {"spec", ligand_block.spec},
            {"kind", chem::to_string(ligand_block.kind)},
            {"width", ligand_block.width},
            {"row_bytes", ligand_block.row_bytes},
            {"bond_width", ligand_bond_width}}},
          {"protein",
           {{"crop", protein_crop},
            {"max_length", protein_max_length},
            {"vocabulary", protein_vocabulary},
            {"vocab_size", protein_vocab_size}}},
          {"targets", targets},
          {"target_scaler", target_scaler.to_json()},
          {"dataset", {{"path", dataset_path}, {"sha256", dataset_sha256}, {"split", split}}},
          {"standardize", standardize},
          {"train_options", train_options}};
}

PairRunManifest PairRunManifest::from_json(const nlohmann::json& j) {
  HITFORGE_REQUIRE(j.value("format", "") == "hitforge-pair-run", "not a hitforge pair-model run manifest");
  HITFORGE_REQUIRE(j.value("format_version", 0) == 1, "unsupported pair run manifest version");
  PairRunManifest m;
  m.hitforge_version = j.value("hitforge_version", "");
  m.model = j.at("model");
  const auto& b = j.at("ligand_block");
  m.ligand_block.name = b.at("name").get<std::string>();
  m.ligand_block.spec = b.at("spec").get<std::string>();
  m.ligand_block.kind = parse_kind(b.at("kind").get<std::string>());
  m.ligand_block.width = b.at("width").get<std::int64_t>();
  m.ligand_block.row_bytes = b.at("row_bytes").get<std::int64_t>();
  m.ligand_bond_width = b.value("bond_width", std::int64_t{0});
  const auto& p = j.at("protein");
  m.protein_crop = p.at("crop").get<std::string>();
  HITFORGE_REQUIRE(m.protein_crop == "head", "unknown protein crop rule '", m.protein_crop, "' (known: head)");
  m.protein_max_length = p.at("max_length").get<std::int64_t>();
  m.protein_vocabulary = p.at("vocabulary");
  m.protein_vocab_size = p.at("vocab_size").get<std::int64_t>();
  m.targets = j.at("targets").get<std::vector<std::string>>();
  m.target_scaler = ColumnScaler::from_json(j.at("target_scaler"));
  const auto& d = j.at("dataset");
  m.dataset_path = d.value("path", "");
  m.dataset_sha256 = d.value("sha256", "");
  m.split = d.value("split", "");
  m.standardize = j.value("standardize", "none");
  m.train_options = j.value("train_options", nlohmann::json::object());
  return m;
}

void PairRunManifest::save(const std::string& run_dir) const {
  core::write_file_atomic((fs::path(run_dir) / "run.json").string(), to_json().dump(2) + "\n");
}

PairRunManifest PairRunManifest::load(const std::string& run_dir) {
  const std::string path = (fs::path(run_dir) / "run.json").string();
  std::ifstream in(path);
  HITFORGE_REQUIRE(in.good(), "'", run_dir, "' is not a hitforge run directory (no run.json)");
  try {
    return from_json(nlohmann::json::parse(in));
  } catch (const nlohmann::json::exception& e) {
    throw core::UsageError(str_cat("'", path, "' is malformed: ", e.what()));
  }
}

bool is_pair_run(const std::string& run_dir) {
  std::ifstream in(fs::path(run_dir) / "run.json");
  if (!in.good()) return false;
  auto j = nlohmann::json::parse(in, nullptr, false);
  return !j.is_discarded() && j.is_object() && j.value("format", "") == "hitforge-pair-run";
}

std::vector<float> predict_pairs_raw(models::DTAModel& model, const data::PairData& data,
                                     const std::vector<std::int64_t>& pairs, const torch::Device& device,
                                     std::size_t batch_size) {
  HITFORGE_REQUIRE(batch_size >= 1, "batch size must be >= 1");
  const bool was_training = model.module()->is_training();
  model.eval();
  torch::NoGradGuard no_grad;
  const auto t = static_cast<size_t>(model.n_tasks());
  const auto kind = model.ligand_input();
  std::vector<float> out(pairs.size() * t);
  for (size_t start = 0; start < pairs.size(); start += batch_size) {
    const size_t end = std::min(pairs.size(), start + batch_size);
    std::vector<std::int64_t> chunk(pairs.begin() + static_cast<std::ptrdiff_t>(start),
                                    pairs.begin() + static_cast<std::ptrdiff_t>(end));
    auto y = model.forward(make_dta_input(data, data.batch(chunk), kind).to(device)).to(torch::kCPU).contiguous();
    std::memcpy(out.data() + start * t, y.data_ptr<float>(), (end - start) * t * sizeof(float));
  }
  model.train(was_training);
  return out;
}

void save_pair_model(models::DTAModel& model, const std::string& path) {
  core::AtomicFile out(path);
  torch::serialize::OutputArchive archive;
  model.module()->save(archive);
  archive.save_to(out.temp_path());
  out.commit();
}

std::shared_ptr<models::DTAModel> load_pair_model(const nlohmann::json& spec, const std::string& path,
                                                  const torch::Device& device) {
  auto model = models::make_pair_model(spec);
  load_weights(*model->module(), path);
  model->to(device);
  model->eval();
  return model;
}

PairPredictor::PairPredictor(const std::string& run_dir, const std::string& device) {
  manifest_ = PairRunManifest::load(run_dir);
  device_ = core::parse_device(device);
  model_ = load_pair_model(manifest_.model, (fs::path(run_dir) / "member_0" / "model.pt").string(), device_);
}

std::vector<float> PairPredictor::predict(const data::PairData& data, const std::vector<std::int64_t>& pairs,
                                          std::size_t batch_size) const {
  auto out = predict_pairs_raw(*model_, data, pairs, device_, batch_size);
  const size_t t = manifest_.targets.size();
  if (!manifest_.target_scaler.empty())
    for (size_t i = 0; i < out.size(); ++i)
      out[i] = static_cast<float>(out[i] * manifest_.target_scaler.std[i % t] + manifest_.target_scaler.mean[i % t]);
  return out;
}

std::vector<std::int32_t> PairPredictor::tokenize_protein(const std::string& sequence) const {
  // The rule the dataset builder applies (datasets/pair_builder.cpp): crop the residues, then encode them.
  std::string kept = sequence;
  if (manifest_.protein_max_length > 0 && static_cast<std::int64_t>(kept.size()) > manifest_.protein_max_length)
    kept.resize(static_cast<size_t>(manifest_.protein_max_length));
  std::vector<std::int32_t> ids;
  for (auto id : chem::ProteinTokenizer().encode(kept, /*add_bos_eos=*/false))
    ids.push_back(static_cast<std::int32_t>(id));
  return ids;
}

void PairPredictor::check_compatible(const data::Dataset& ds) const {
  HITFORGE_REQUIRE(ds.has_pairs(), "'", ds.path(), "' is not a drug–target pair dataset");
  const auto& b = ds.block(manifest_.ligand_block.name);
  HITFORGE_REQUIRE(b.spec == manifest_.ligand_block.spec, "block '", b.name, "' of '", ds.path(), "' was made with '",
                   b.spec, "' but the model was trained on '", manifest_.ligand_block.spec, "'");
  HITFORGE_REQUIRE(ds.protein_max_length() == manifest_.protein_max_length, "'", ds.path(), "' crops proteins to ",
                   ds.protein_max_length(), " residues but the model was trained on ", manifest_.protein_max_length);
  HITFORGE_REQUIRE(nlohmann::json::parse(ds.protein_vocabulary_json()) == manifest_.protein_vocabulary, "'", ds.path(),
                   "' tokenises proteins with another vocabulary than the model's");
}

}  // namespace hitforge::train
