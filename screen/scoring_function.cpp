#include "screen/scoring_function.h"

#include <GraphMol/ROMol.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <numeric>
#include <tuple>

#include "chem/featurizers/featurizer.h"
#include "chem/scoring/mol_scorer.h"
#include "chem/standardize.h"
#include "chem/tokenizers/protein_tokenizer.h"
#include "core/error.h"
#include "core/text.h"
#include "datasets/featurize_chunk.h"
#include "datasets/pair_builder.h"
#include "datasets/pair_data.h"
#include "train/pair_run.h"
#include "train/predictor.h"

namespace hitforge::screen {
using core::str_cat;
using core::UsageError;
namespace fs = std::filesystem;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void check_keys(const nlohmann::json& j, const std::vector<std::string>& allowed, const std::string& what) {
  HITFORGE_REQUIRE(j.is_object(), what, " must be a JSON object, got ", j.dump());
  for (const auto& [key, value] : j.items()) {
    (void)value;
    HITFORGE_REQUIRE(std::find(allowed.begin(), allowed.end(), key) != allowed.end(), what, ": unknown key '", key,
                     "'");
  }
}

// Scorer entries may be a bare name or an object; paths inside (reference_file, file) become absolute.
nlohmann::json scorer_params(const nlohmann::json& spec, const std::string& base_dir) {
  nlohmann::json p = spec.is_string() ? nlohmann::json{{"name", spec.get<std::string>()}} : spec;
  HITFORGE_REQUIRE(p.is_object() && p.contains("name") && p["name"].is_string(),
                   "a scorer must be a name or an object with \"name\", got ", spec.dump());
  for (const char* key : {"reference_file", "file"})
    if (p.contains(key) && p[key].is_string() && fs::path(p[key].get<std::string>()).is_relative())
      p[key] = (fs::path(base_dir) / p[key].get<std::string>()).lexically_normal().string();
  return p;
}

}  // namespace

struct ScoringFunction::Impl {
  struct ScorerSlot {
    chem::MolScorerPtr scorer;
    std::size_t col = 0, n_cols = 0;
  };
  struct FilterDef {
    std::string label;
    std::size_t scorer = 0;  // index into scorers
    std::size_t col = 0;
    bool has_min = false, has_max = false;
    double min = 0, max = 0;
  };
  struct ModelSlot {
    std::unique_ptr<train::Predictor> predictor;
    std::size_t input_block = 0;
    int extra_block = -1;
    std::vector<std::pair<std::size_t, std::size_t>> outputs;  // (target index, raw column of the mean)
    std::vector<std::size_t> std_cols;                         // raw column of the std per output (ensembles)
  };
  // A drug–target model scoring every molecule against one protein (recipe component with "protein").
  struct AffinitySlot {
    std::unique_ptr<train::PairPredictor> predictor;
    std::vector<std::int32_t> protein_tokens;  // cropped by the run's rule
    std::size_t block = 0;                     // featuriser block of the ligand features
    std::size_t target = 0, col = 0;
  };
  struct ComponentDef {
    std::size_t col = 0;
    double weight = 1.0;
    Transform transform;
  };

  std::vector<ScorerSlot> scorers;
  std::vector<FilterDef> filters;
  std::vector<ModelSlot> models;
  std::vector<AffinitySlot> affinity;
  std::vector<ComponentDef> components;
  std::vector<chem::FeaturizerPtr> featurizers;
  std::vector<const chem::Featurizer*> featurizer_ptrs;
  std::vector<int> block_users;  // models using each featuriser block
  Aggregate how = Aggregate::geometric;
  data::FeaturizeOptions featurize;
  std::size_t n_raw = 0;
};

ScoringFunction::ScoringFunction(const nlohmann::json& recipe, const Options& options) : impl_(new Impl) {
  Impl& m = *impl_;
  check_keys(recipe, {"name", "description", "standardize", "filters", "components", "aggregate"}, "recipe");
  resolved_ = nlohmann::json::object();
  if (recipe.contains("name")) resolved_["name"] = recipe["name"];
  const std::string standardize = recipe.value("standardize", std::string("none"));
  resolved_["standardize"] = standardize;
  if (standardize != "none") {
    m.featurize.standardize = true;
    m.featurize.standardize_params = chem::parse_standardize_params(standardize);
  }
  m.featurize.canonical = true;
  m.how = parse_aggregate(recipe.value("aggregate", std::string("geometric")));
  resolved_["aggregate"] = to_string(m.how);

  // Scorers are shared between filters and components with identical parameters (computed once per molecule).
  std::map<std::string, std::size_t> scorer_index;
  auto scorer_column = [&](const nlohmann::json& spec, const nlohmann::json& column, std::string& label_out) {
    nlohmann::json p = scorer_params(spec, options.base_dir);
    const std::string key = p.dump();
    auto it = scorer_index.find(key);
    if (it == scorer_index.end()) {
      HITFORGE_REQUIRE(m.scorers.size() < 64, "a recipe may use at most 64 distinct scorers");
      Impl::ScorerSlot slot;
      slot.scorer = chem::make_scorer(p);
      slot.col = m.n_raw;
      for (auto& c : slot.scorer->columns()) {
        HITFORGE_REQUIRE(std::find(raw_columns_.begin(), raw_columns_.end(), c) == raw_columns_.end(),
                         "two scorers in the recipe write the column '", c, "'; give one of them a \"label\"");
        raw_columns_.push_back(c);
      }
      slot.n_cols = raw_columns_.size() - slot.col;
      m.n_raw = raw_columns_.size();
      it = scorer_index.emplace(key, m.scorers.size()).first;
      m.scorers.push_back(std::move(slot));
    }
    const Impl::ScorerSlot& slot = m.scorers[it->second];
    std::size_t col = slot.col;
    if (!column.is_null()) {
      const std::string name = column.get<std::string>();
      auto cols = slot.scorer->columns();
      auto c = std::find(cols.begin(), cols.end(), name);
      HITFORGE_REQUIRE(c != cols.end(), "scorer '", slot.scorer->name(), "' has no column '", name,
                       "' (it has: ", core::join(cols), ")");
      col = slot.col + static_cast<std::size_t>(c - cols.begin());
    }
    if (label_out.empty()) label_out = raw_columns_[col];
    return std::make_tuple(col, slot.scorer->params(), it->second);
  };

  nlohmann::json filters = recipe.value("filters", nlohmann::json::array());
  HITFORGE_REQUIRE(filters.is_array(), "recipe: \"filters\" must be an array");
  resolved_["filters"] = nlohmann::json::array();
  for (std::size_t f = 0; f < filters.size(); ++f) {
    const auto& fj = filters[f];
    const std::string what = str_cat("filter ", f + 1);
    check_keys(fj, {"scorer", "column", "min", "max", "label"}, what);
    HITFORGE_REQUIRE(fj.contains("scorer"), what,
                     ": needs \"scorer\" (filters run on chemistry scorers, before any "
                     "model)");
    HITFORGE_REQUIRE(fj.contains("min") || fj.contains("max"), what, ": needs \"min\" and/or \"max\"");
    Impl::FilterDef def;
    def.label = fj.value("label", std::string());
    auto [col, params, scorer] =
        scorer_column(fj["scorer"], fj.contains("column") ? fj["column"] : nlohmann::json(), def.label);
    def.col = col;
    def.scorer = scorer;
    if (fj.contains("min")) def.has_min = true, def.min = fj["min"].get<double>();
    if (fj.contains("max")) def.has_max = true, def.max = fj["max"].get<double>();
    HITFORGE_REQUIRE(std::find(filter_labels_.begin(), filter_labels_.end(), def.label) == filter_labels_.end(), what,
                     ": a filter labelled '", def.label, "' already exists; give it a distinct \"label\"");
    nlohmann::json r = {{"scorer", params}, {"column", raw_columns_[col]}, {"label", def.label}};
    if (def.has_min) r["min"] = def.min;
    if (def.has_max) r["max"] = def.max;
    resolved_["filters"].push_back(r);
    filter_labels_.push_back(def.label);
    m.filters.push_back(def);
  }

  nlohmann::json comps = recipe.value("components", nlohmann::json::array());
  HITFORGE_REQUIRE(comps.is_array() && !comps.empty(), "recipe: \"components\" must be a non-empty array");
  resolved_["components"] = nlohmann::json::array();
  std::map<std::string, std::size_t> model_index;
  // The featuriser block computing `spec`, added when new (model slots count their use in block_users).
  auto featurizer_block = [&m](const std::string& spec) {
    std::size_t idx = 0;
    while (idx < m.featurizers.size() && m.featurizers[idx]->spec() != spec) ++idx;
    if (idx == m.featurizers.size()) {
      m.featurizers.push_back(chem::make_featurizer(spec));
      m.featurizer_ptrs.push_back(m.featurizers.back().get());
      m.block_users.push_back(0);
    }
    return idx;
  };
  for (std::size_t c = 0; c < comps.size(); ++c) {
    const auto& cj = comps[c];
    const std::string what = str_cat("component ", c + 1);
    check_keys(cj, {"scorer", "column", "model", "target", "weight", "transform", "label", "protein", "protein_file"},
               what);
    HITFORGE_REQUIRE(cj.contains("scorer") != cj.contains("model"), what,
                     ": needs exactly one of \"scorer\" and "
                     "\"model\"");
    Impl::ComponentDef def;
    def.weight = cj.value("weight", 1.0);
    HITFORGE_REQUIRE(def.weight > 0, what, ": weight must be positive, got ", def.weight);
    def.transform = Transform::from_json(cj.value("transform", nlohmann::json{{"type", "none"}}));
    std::string label = cj.value("label", std::string());
    nlohmann::json r;
    if (cj.contains("scorer")) {
      auto [col, params, scorer] =
          scorer_column(cj["scorer"], cj.contains("column") ? cj["column"] : nlohmann::json(), label);
      (void)scorer;
      def.col = col;
      r = {{"scorer", params}, {"column", raw_columns_[col]}};
    } else {
      std::string dir = cj["model"].get<std::string>();
      if (fs::path(dir).is_relative()) dir = (fs::path(options.base_dir) / dir).lexically_normal().string();
      const bool with_protein = cj.contains("protein") || cj.contains("protein_file");
      if (train::is_pair_run(dir)) {
        HITFORGE_REQUIRE(cj.contains("protein") != cj.contains("protein_file"), what, ": the drug–target model '",
                         dir, "' scores against one protein: give \"protein\" (a sequence) or \"protein_file\" ",
                         "(FASTA or JSON; its first record)");
        std::string seq, source;
        if (cj.contains("protein")) {
          HITFORGE_REQUIRE(cj["protein"].is_string(), what, ": \"protein\" must be a sequence string");
          seq = cj["protein"].get<std::string>();
        } else {
          source = cj["protein_file"].get<std::string>();
          if (fs::path(source).is_relative())
            source = (fs::path(options.base_dir) / source).lexically_normal().string();
          auto file = data::read_protein_file(source);
          HITFORGE_REQUIRE(!file.empty(), what, ": '", source, "' holds no protein sequence");
          seq = file.front().value;
        }
        const std::string problem = seq.empty() ? "empty sequence" : chem::ProteinTokenizer::check(seq);
        HITFORGE_REQUIRE(problem.empty(), what, ": protein sequence: ", problem);
        Impl::AffinitySlot slot;
        slot.predictor = std::make_unique<train::PairPredictor>(dir, options.device);
        const auto& man = slot.predictor->manifest();
        slot.block = featurizer_block(man.ligand_block.spec);
        slot.protein_tokens = slot.predictor->tokenize_protein(seq);
        const std::string target = cj.value("target", man.targets.at(0));
        auto t = std::find(man.targets.begin(), man.targets.end(), target);
        HITFORGE_REQUIRE(t != man.targets.end(), what, ": model '", dir, "' has no target '", target,
                         "' (it has: ", core::join(man.targets), ")");
        slot.target = static_cast<std::size_t>(t - man.targets.begin());
        if (label.empty()) label = target;
        HITFORGE_REQUIRE(std::find(raw_columns_.begin(), raw_columns_.end(), label) == raw_columns_.end(), what,
                         ": the column '", label, "' exists already; give this component a distinct \"label\"");
        def.col = slot.col = raw_columns_.size();
        raw_columns_.push_back(label);
        m.n_raw = raw_columns_.size();
        m.affinity.push_back(std::move(slot));
        r = {{"model", dir}, {"target", target}, {"protein", seq}};
        if (!source.empty()) r["protein_file"] = source;
      } else {
        HITFORGE_REQUIRE(!with_protein, what, ": \"protein\" applies to drug–target models; '", dir,
                         "' is not one");
        auto it = model_index.find(dir);
        if (it == model_index.end()) {
          Impl::ModelSlot slot;
          slot.predictor = std::make_unique<train::Predictor>(dir, options.device);
          const auto& man = slot.predictor->manifest();
          for (std::size_t b = 0; b < man.featurizer_specs.size(); ++b) {
            const std::size_t idx = featurizer_block(man.featurizer_specs[b]);
            ++m.block_users[idx];
            if (b == 0)
              slot.input_block = idx;
            else
              slot.extra_block = static_cast<int>(idx);
          }
          it = model_index.emplace(dir, m.models.size()).first;
          m.models.push_back(std::move(slot));
        }
        Impl::ModelSlot& slot = m.models[it->second];
        const auto& targets = slot.predictor->manifest().targets;
        const std::string target = cj.value("target", targets.at(0));
        auto t = std::find(targets.begin(), targets.end(), target);
        HITFORGE_REQUIRE(t != targets.end(), what, ": model '", dir, "' has no target '", target,
                         "' (it has: ", core::join(targets), ")");
        if (label.empty()) label = target;
        HITFORGE_REQUIRE(std::find(raw_columns_.begin(), raw_columns_.end(), label) == raw_columns_.end(), what,
                         ": the column '", label, "' exists already; give this component a distinct \"label\"");
        def.col = raw_columns_.size();
        raw_columns_.push_back(label);
        slot.outputs.emplace_back(static_cast<std::size_t>(t - targets.begin()), def.col);
        if (slot.predictor->members() > 1) {
          slot.std_cols.push_back(raw_columns_.size());
          raw_columns_.push_back(label + "_std");
        }
        m.n_raw = raw_columns_.size();
        r = {{"model", dir}, {"target", target}};
      }
    }
    HITFORGE_REQUIRE(std::find(component_labels_.begin(), component_labels_.end(), label) == component_labels_.end(),
                     what, ": a component labelled '", label, "' already exists; give it a distinct \"label\"");
    r["label"] = label;
    r["weight"] = def.weight;
    r["transform"] = def.transform.to_json();
    resolved_["components"].push_back(r);
    component_labels_.push_back(label);
    m.components.push_back(def);
  }
}

ScoringFunction ScoringFunction::from_file(const std::string& path, const std::string& device) {
  std::ifstream in(path);
  HITFORGE_REQUIRE(in.good(), "cannot read recipe '", path, "'");
  nlohmann::json recipe;
  try {
    recipe = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw UsageError(str_cat("recipe '", path, "' is not valid JSON: ", e.what()));
  }
  Options o;
  o.base_dir = fs::absolute(path).parent_path().string();
  o.device = device;
  try {
    return ScoringFunction(recipe, o);
  } catch (const UsageError& e) {
    throw UsageError(str_cat("recipe '", path, "': ", e.what()));
  } catch (const nlohmann::json::exception& e) {  // a value of the wrong JSON type ("max": "0")
    throw UsageError(str_cat("recipe '", path, "': a value has the wrong type: ", e.what()));
  }
}

ScoringFunction::~ScoringFunction() = default;
ScoringFunction::ScoringFunction(ScoringFunction&&) noexcept = default;
ScoringFunction& ScoringFunction::operator=(ScoringFunction&&) noexcept = default;

void ScoringFunction::score(const std::vector<chem::InputRecord>& records, std::size_t n, int threads,
                            ScoredBatch& out) const {
  const Impl& m = *impl_;
  const std::size_t R = m.n_raw, C = m.components.size();
  out.raw.assign(n * R, kNaN);
  out.notes.assign(n, std::string());
  out.desirability.assign(n * C, kNaN);
  out.score.assign(n, kNaN);

  data::FeaturizeOptions fo = m.featurize;
  fo.threads = threads;
  double* raw = out.raw.data();
  std::string* notes = out.notes.data();
  // Filters first, in recipe order, each computing its scorer on demand: a molecule that fails one costs no
  // further scorer (PAINS alone is ~1 ms per molecule). Then the scorers the components still need.
  fo.visit = [&m, raw, notes, R](std::size_t i, const RDKit::ROMol& mol) -> std::string {
    double* row = raw + i * R;
    std::string note;
    std::uint64_t done = 0;  // bit s: scorer s computed (recipes have far fewer than 64 scorers, checked at build)
    auto compute = [&](std::size_t s) {
      if (done & (std::uint64_t{1} << s)) return;
      done |= std::uint64_t{1} << s;
      const auto& slot = m.scorers[s];
      note.clear();
      try {
        slot.scorer->compute(mol, row + slot.col, &note);
      } catch (const std::exception& e) {
        throw std::runtime_error(str_cat("scorer ", slot.scorer->name(), ": ", e.what()));
      }
      if (!note.empty()) {
        if (!notes[i].empty()) notes[i] += " | ";
        notes[i] += str_cat(slot.scorer->name(), ": ", note);
      }
    };
    for (const auto& f : m.filters) {
      compute(f.scorer);
      const double v = row[f.col];
      const bool below = f.has_min && !(v >= f.min), above = f.has_max && !(v <= f.max);
      if (below || above) return str_cat(f.label, " (", v, below ? " < min " : " > max ", below ? f.min : f.max, ")");
    }
    for (std::size_t s = 0; s < m.scorers.size(); ++s) compute(s);
    return std::string();
  };
  std::vector<std::vector<core::MolGraph>> graphs;
  data::featurize_chunk(records, n, m.featurizer_ptrs, fo, out.chunk, &graphs);

  std::vector<std::size_t> ok_rows;
  for (std::size_t i = 0; i < n; ++i)
    if (out.chunk.status[i] == static_cast<std::uint8_t>(chem::RecordStatus::ok)) ok_rows.push_back(i);
  // Scorer values of invalid records are meaningless (visit may have run part-way): clear them.
  for (std::size_t i = 0; i < n; ++i)
    if (out.chunk.status[i] == static_cast<std::uint8_t>(chem::RecordStatus::invalid)) {
      std::fill_n(out.raw.begin() + static_cast<std::ptrdiff_t>(i * R), R, kNaN);
      out.notes[i].clear();
    }

  if (!ok_rows.empty()) {
    // Drug–target components first: they copy the ligand features, so the property models below may still move
    // the graphs of a block they are the last user of.
    for (const auto& slot : m.affinity) {
      const auto& man = slot.predictor->manifest();
      std::vector<core::MolGraph> kept_graphs;
      std::vector<std::uint8_t> kept_rows;
      if (man.ligand_block.kind == chem::FeatureKind::graph) {
        for (std::size_t i : ok_rows) kept_graphs.push_back(graphs.at(slot.block).at(i));
      } else {
        const auto rb = static_cast<std::size_t>(man.ligand_block.row_bytes);
        const auto& fixed = out.chunk.blocks.at(slot.block).fixed;
        for (std::size_t i : ok_rows)
          kept_rows.insert(kept_rows.end(), fixed.begin() + static_cast<std::ptrdiff_t>(i * rb),
                           fixed.begin() + static_cast<std::ptrdiff_t>((i + 1) * rb));
      }
      std::vector<std::int64_t> ligand(ok_rows.size()), protein(ok_rows.size(), 0);
      std::iota(ligand.begin(), ligand.end(), 0);
      auto pd = data::PairData::from_parts(man.ligand_block, man.ligand_bond_width, std::move(kept_graphs),
                                           std::move(kept_rows), {slot.protein_tokens}, man.protein_vocab_size,
                                           man.protein_max_length, ligand, protein);
      const auto pred = slot.predictor->predict(pd, ligand);
      const std::size_t T = man.targets.size();
      for (std::size_t k = 0; k < ok_rows.size(); ++k) out.raw[ok_rows[k] * R + slot.col] = pred[k * T + slot.target];
    }
    std::vector<int> remaining = m.block_users;
    for (const auto& slot : m.models) {
      // Graphs are moved into the model's rows; a block that a later model also uses is copied for this one.
      std::vector<std::vector<core::MolGraph>> copy;
      bool shared = --remaining[slot.input_block] > 0;
      if (slot.extra_block >= 0) shared = --remaining[static_cast<std::size_t>(slot.extra_block)] > 0 || shared;
      auto& g = shared ? (copy = graphs) : graphs;
      const auto& man = slot.predictor->manifest();
      auto rows = train::FeatureRows::from_chunk(out.chunk, g, ok_rows, man.input, slot.input_block, slot.extra_block);
      slot.predictor->prepare_rows(rows);
      std::vector<float> mean, sd;
      slot.predictor->predict(rows, mean, sd);
      const std::size_t T = man.targets.size();
      for (std::size_t k = 0; k < ok_rows.size(); ++k) {
        for (std::size_t o = 0; o < slot.outputs.size(); ++o) {
          out.raw[ok_rows[k] * R + slot.outputs[o].second] = mean[k * T + slot.outputs[o].first];
          if (!slot.std_cols.empty()) out.raw[ok_rows[k] * R + slot.std_cols[o]] = sd[k * T + slot.outputs[o].first];
        }
      }
    }
  }

  std::vector<double> w(C);
  for (std::size_t c = 0; c < C; ++c) w[c] = m.components[c].weight;
  for (std::size_t i : ok_rows) {
    double* d = &out.desirability[i * C];
    for (std::size_t c = 0; c < C; ++c) d[c] = m.components[c].transform(out.raw[i * R + m.components[c].col]);
    out.score[i] = aggregate(m.how, d, w.data(), C);
  }
}

void ScoringFunction::score_smiles(const std::vector<std::string>& smiles, int threads, ScoredBatch& out) const {
  std::vector<chem::InputRecord> records(smiles.size());
  for (std::size_t i = 0; i < smiles.size(); ++i) {
    records[i].index = static_cast<std::int64_t>(i);
    records[i].line = static_cast<std::int64_t>(i) + 1;
    records[i].text = smiles[i];
  }
  score(records, records.size(), threads, out);
}

}  // namespace hitforge::screen
