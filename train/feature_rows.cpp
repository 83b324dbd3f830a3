#include "train/feature_rows.h"

#include <cmath>
#include <cstring>

#include "core/error.h"
#include "models/fingerprint_mlp.h"
#include "models/graph_batch.h"

namespace hitforge::train {
using core::str_cat;

nlohmann::json InputSpec::to_json() const {
  return {{"block", block},         {"kind", chem::to_string(kind)}, {"width", width},
          {"bond_width", bond_width}, {"extra_block", extra_block},   {"extra_width", extra_width}};
}

InputSpec InputSpec::from_json(const nlohmann::json& j) {
  InputSpec s;
  s.block = j.at("block").get<std::string>();
  std::string kind = j.at("kind").get<std::string>();
  bool known = false;
  for (auto k : {chem::FeatureKind::packed_bits, chem::FeatureKind::counts_u8, chem::FeatureKind::dense_f32,
                 chem::FeatureKind::graph})
    if (kind == chem::to_string(k)) s.kind = k, known = true;
  HITFORGE_REQUIRE(known, "checkpoint names an unsupported input kind '", kind, "'");
  s.width = j.at("width").get<std::int64_t>();
  s.bond_width = j.value("bond_width", std::int64_t{0});
  s.extra_block = j.value("extra_block", std::string());
  s.extra_width = j.value("extra_width", std::int64_t{0});
  return s;
}

InputSpec InputSpec::resolve(const data::Dataset& ds, const std::string& block, const std::string& extra_block) {
  InputSpec s;
  const auto& b = ds.block(block);
  HITFORGE_REQUIRE(b.kind != chem::FeatureKind::tokens, "feature block '", block,
                   "' holds token sequences; property models take fingerprints, descriptors or graphs");
  s.block = block;
  s.kind = b.kind;
  s.width = b.width;
  if (b.kind == chem::FeatureKind::graph) {
    // the bond width is recorded on the block; rebuild the featuriser to read it
    s.bond_width = static_cast<std::int64_t>(chem::make_featurizer(b.spec)->bond_width());
  }
  if (!extra_block.empty()) {
    const auto& e = ds.block(extra_block);
    HITFORGE_REQUIRE(e.kind == chem::FeatureKind::dense_f32, "extra features block '", extra_block,
                     "' must hold dense float features (e.g. rdkit2d)");
    s.extra_block = extra_block;
    s.extra_width = e.width;
  }
  return s;
}

FeatureRows FeatureRows::load(const data::Dataset& ds, const std::vector<std::int64_t>& records,
                              const InputSpec& spec) {
  FeatureRows r;
  r.spec_ = spec;
  r.n_ = records.size();
  switch (spec.kind) {
    case chem::FeatureKind::packed_bits:
      r.packed_ = ds.read_fixed(spec.block, records);
      break;
    case chem::FeatureKind::counts_u8:
    case chem::FeatureKind::dense_f32:
      r.dense_ = ds.read_dense(spec.block, records);
      break;
    case chem::FeatureKind::graph:
      r.graphs_.reserve(records.size());
      for (auto i : records) r.graphs_.push_back(ds.read_graph(spec.block, i));
      break;
    default:
      throw core::UsageError("unsupported input block kind");
  }
  if (!spec.extra_block.empty()) r.extra_ = ds.read_dense(spec.extra_block, records);
  return r;
}

FeatureRows FeatureRows::from_chunk(const data::RecordChunk& chunk, std::vector<std::vector<core::MolGraph>>& graphs,
                                    const std::vector<std::size_t>& rows, const InputSpec& spec,
                                    std::size_t input_block, int extra_block) {
  FeatureRows r;
  r.spec_ = spec;
  r.n_ = rows.size();
  const auto& blk = chunk.blocks.at(input_block);
  switch (spec.kind) {
    case chem::FeatureKind::packed_bits: {
      const size_t rb = (spec.width + 7) / 8;
      r.packed_.resize(rows.size() * rb);
      for (size_t k = 0; k < rows.size(); ++k) std::memcpy(&r.packed_[k * rb], &blk.fixed[rows[k] * rb], rb);
      break;
    }
    case chem::FeatureKind::counts_u8: {
      r.dense_.resize(rows.size() * spec.width);
      for (size_t k = 0; k < rows.size(); ++k)
        for (std::int64_t j = 0; j < spec.width; ++j) r.dense_[k * spec.width + j] = blk.fixed[rows[k] * spec.width + j];
      break;
    }
    case chem::FeatureKind::dense_f32: {
      r.dense_.resize(rows.size() * spec.width);
      for (size_t k = 0; k < rows.size(); ++k)
        std::memcpy(&r.dense_[k * spec.width], &blk.fixed[rows[k] * spec.width * 4], spec.width * 4);
      break;
    }
    case chem::FeatureKind::graph:
      r.graphs_.reserve(rows.size());
      for (auto i : rows) r.graphs_.push_back(std::move(graphs.at(input_block)[i]));
      break;
    default:
      throw core::UsageError("unsupported input block kind");
  }
  if (extra_block >= 0) {
    const auto& e = chunk.blocks.at(static_cast<size_t>(extra_block));
    HITFORGE_CHECK(e.fixed.size() == chunk.size() * spec.extra_width * 4, "extra block must be dense float32");
    r.extra_.resize(rows.size() * spec.extra_width);
    for (size_t k = 0; k < rows.size(); ++k)
      std::memcpy(&r.extra_[k * spec.extra_width], &e.fixed[rows[k] * spec.extra_width * 4], spec.extra_width * 4);
  }
  return r;
}

void FeatureRows::fit_scalers(ColumnScaler& input_scaler, ColumnScaler& extra_scaler,
                              const std::string& scaling) const {
  HITFORGE_REQUIRE(scaling == "standard" || scaling == "quantile", "unknown feature scaling '", scaling,
                   "' (standard | quantile)");
  const auto fit = [&](const std::vector<float>& v, std::int64_t cols) {
    return scaling == "quantile" ? ColumnScaler::fit_quantile(v, cols) : ColumnScaler::fit(v, cols);
  };
  input_scaler = spec_.kind == chem::FeatureKind::dense_f32 ? fit(dense_, spec_.width) : ColumnScaler{};
  extra_scaler = spec_.extra_width > 0 ? fit(extra_, spec_.extra_width) : ColumnScaler{};
}

void FeatureRows::apply_scalers(const ColumnScaler& input_scaler, const ColumnScaler& extra_scaler) {
  if (spec_.kind == chem::FeatureKind::dense_f32) input_scaler.transform(dense_, 0.0f);
  if (spec_.extra_width > 0) {
    extra_scaler.transform(extra_, 0.0f);
    for (auto& v : extra_) v = std::isfinite(v) ? std::clamp(v, -1e4f, 1e4f) : 0.0f;
  }
}

models::ModelInput FeatureRows::batch(const std::vector<std::int64_t>& rows, models::ModelInput::Kind kind) const {
  const auto b = static_cast<std::int64_t>(rows.size());
  if (spec_.kind == chem::FeatureKind::graph) {
    std::vector<const core::MolGraph*> gs;
    gs.reserve(rows.size());
    for (auto r : rows) gs.push_back(&graphs_[r]);
    auto gb = models::GraphBatch::build(gs, spec_.width, spec_.bond_width);
    torch::Tensor extra;
    if (spec_.extra_width > 0) {
      extra = torch::empty({b, spec_.extra_width}, torch::kFloat32);
      float* dst = extra.data_ptr<float>();
      for (std::int64_t k = 0; k < b; ++k)
        std::memcpy(dst + k * spec_.extra_width, &extra_[rows[k] * spec_.extra_width], spec_.extra_width * 4);
    }
    return models::ModelInput::from_graph(std::move(gb), extra);
  }
  if (spec_.kind == chem::FeatureKind::packed_bits) {
    const size_t rb = (spec_.width + 7) / 8;
    std::vector<std::uint8_t> buf(rows.size() * rb);
    for (size_t k = 0; k < rows.size(); ++k) std::memcpy(&buf[k * rb], &packed_[rows[k] * rb], rb);
    if (kind == models::ModelInput::Kind::sparse)
      return models::ModelInput::from_sparse(models::packed_bits_to_indices(buf.data(), b, spec_.width));
    auto x = torch::zeros({b, spec_.width}, torch::kFloat32);
    float* dst = x.data_ptr<float>();
    for (std::int64_t k = 0; k < b; ++k)
      for (std::int64_t j = 0; j < spec_.width; ++j) dst[k * spec_.width + j] = (buf[k * rb + (j >> 3)] >> (j & 7)) & 1;
    return models::ModelInput::from_dense(x);
  }
  auto x = torch::empty({b, spec_.width}, torch::kFloat32);
  float* dst = x.data_ptr<float>();
  for (std::int64_t k = 0; k < b; ++k) std::memcpy(dst + k * spec_.width, &dense_[rows[k] * spec_.width], spec_.width * 4);
  return models::ModelInput::from_dense(x);
}

}  // namespace hitforge::train
