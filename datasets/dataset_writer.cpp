#include "datasets/dataset_writer.h"

#include <cmath>
#include <ctime>
#include <map>

#include <nlohmann/json.hpp>

#include "chem/tokenizers/vocabulary.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/hdf5_util.h"
#include "datasets/dataset.h"
#include "datasets/format.h"

namespace hitforge::data {
namespace h5 = core::h5;
using core::str_cat;

void RecordChunk::resize(std::size_t n, std::size_t n_targets, const std::vector<const chem::Featurizer*>& fz) {
  ids.assign(n, {});
  inputs.assign(n, {});
  smiles.assign(n, {});
  reasons.assign(n, {});
  status.assign(n, 0);
  source_index.assign(n, 0);
  source_line.assign(n, 0);
  targets.assign(n * n_targets, NAN);
  blocks.resize(fz.size());
  for (size_t b = 0; b < fz.size(); ++b) {
    auto& blk = blocks[b];
    if (fz[b]->kind() == chem::FeatureKind::tokens) {
      blk.tokens.clear();
      blk.n_tokens.assign(n, 0);
    } else if (fz[b]->kind() == chem::FeatureKind::graph) {
      blk.atom_features.clear();
      blk.bond_features.clear();
      blk.bond_atoms.clear();
      blk.n_atoms.assign(n, 0);
      blk.n_bonds.assign(n, 0);
    } else {
      blk.fixed.assign(n * fz[b]->row_bytes(), 0);
    }
  }
}

std::vector<std::string> default_block_names(const std::vector<const chem::Featurizer*>& fz) {
  std::map<std::string, int> seen;
  std::vector<std::string> names;
  for (const auto* f : fz) {
    int k = ++seen[f->name()];
    names.push_back(k == 1 ? f->name() : str_cat(f->name(), "_", k));
  }
  return names;
}

namespace {
struct GraphAppenders {
  h5::Appender atoms, bonds, bond_atoms, atom_offsets, bond_offsets;
  std::int64_t atom_total = 0, bond_total = 0;
};
struct TokenAppenders {
  h5::Appender ids, offsets;
  std::int64_t total = 0;
  chem::Vocabulary vocab;  // grows in record order, so ids are deterministic
};
}  // namespace

struct DatasetWriter::Impl {
  core::AtomicFile file;
  H5::H5File h5;
  DatasetSchema schema;
  WriterOptions opt;
  h5::StringAppender ids, inputs, smiles, reasons;
  h5::Appender status, source_index, source_line, targets;
  std::vector<h5::Appender> fixed;         // per block (unused for graph blocks)
  std::vector<GraphAppenders> graphs;      // per block (graph blocks only)
  std::vector<TokenAppenders> token_blocks;  // per block (tokens blocks only)
  std::int64_t rows = 0;
  std::vector<std::string> task_types;
  std::vector<int> seen_non_binary, seen_any;  // per target, for task-type inference
  std::map<std::string, std::string> provenance;
  bool finished = false;

  Impl(const std::string& path, DatasetSchema s, WriterOptions o) : file(path), schema(std::move(s)), opt(o) {
    HITFORGE_REQUIRE(opt.compression >= 0 && opt.compression <= 9, "--compression must be 0..9, got ", opt.compression);
    if (schema.block_names.empty()) schema.block_names = default_block_names(schema.featurizers);
    HITFORGE_CHECK(schema.block_names.size() == schema.featurizers.size(), "one block name per featuriser");
    h5 = h5::create_file(file.temp_path());
    H5::Group root = h5.openGroup("/");
    hsize_t cr = opt.chunk_rows;
    int z = opt.compression;
    H5::Group rec = root.createGroup(fmt::kRecords);
    ids = h5::StringAppender(rec, fmt::kId, cr, z);
    inputs = h5::StringAppender(rec, fmt::kInput, cr, z);
    smiles = h5::StringAppender(rec, fmt::kSmiles, cr, z);
    reasons = h5::StringAppender(rec, fmt::kReason, cr, z);
    status = h5::Appender(rec, fmt::kStatus, H5::PredType::NATIVE_UINT8, 0, cr, z);
    source_index = h5::Appender(rec, fmt::kSourceIndex, H5::PredType::NATIVE_INT64, 0, cr, z);
    source_line = h5::Appender(rec, fmt::kSourceLine, H5::PredType::NATIVE_INT64, 0, cr, z);
    const size_t t = schema.target_names.size();
    seen_non_binary.assign(t, 0);
    seen_any.assign(t, 0);
    if (t) {
      H5::Group tg = root.createGroup(fmt::kTargets);
      targets = h5::Appender(tg, fmt::kValues, H5::PredType::NATIVE_FLOAT, t, cr, z);
      h5::write_attr(tg, "names", schema.target_names);
    }
    H5::Group feats = root.createGroup(fmt::kFeatures);
    fixed.resize(schema.featurizers.size());
    graphs.resize(schema.featurizers.size());
    token_blocks.resize(schema.featurizers.size());
    for (size_t b = 0; b < schema.featurizers.size(); ++b) {
      const chem::Featurizer& f = *schema.featurizers[b];
      H5::Group g = feats.createGroup(schema.block_names[b]);
      h5::write_attr(g, "spec", f.spec());
      h5::write_attr(g, "kind", std::string(chem::to_string(f.kind())));
      h5::write_attr(g, "width", static_cast<std::int64_t>(f.width()));
      switch (f.kind()) {
        case chem::FeatureKind::packed_bits:
        case chem::FeatureKind::counts_u8:
          fixed[b] = h5::Appender(g, fmt::kData, H5::PredType::NATIVE_UINT8, f.row_bytes(), cr, z);
          break;
        case chem::FeatureKind::dense_f32:
          fixed[b] = h5::Appender(g, fmt::kData, H5::PredType::NATIVE_FLOAT, f.width(), cr, z);
          h5::write_attr(g, "columns", f.column_names());
          break;
        case chem::FeatureKind::tokens: {
          auto& tb = token_blocks[b];
          tb.ids = h5::Appender(g, fmt::kTokenIds, H5::PredType::NATIVE_INT32, 0, cr * 32, z);
          tb.offsets = h5::Appender(g, fmt::kTokenOffsets, H5::PredType::NATIVE_INT64, 0, cr, z);
          std::int64_t zero = 0;
          tb.offsets.append(&zero, 1);
          break;
        }
        case chem::FeatureKind::graph: {
          auto& ga = graphs[b];
          auto* gf = schema.featurizers[b];
          ga.atoms = h5::Appender(g, fmt::kAtomFeatures, H5::PredType::NATIVE_FLOAT, gf->width(), cr * 8, z);
          ga.bonds = h5::Appender(g, fmt::kBondFeatures, H5::PredType::NATIVE_FLOAT, gf->bond_width(), cr * 8, z);
          ga.bond_atoms = h5::Appender(g, fmt::kBondAtoms, H5::PredType::NATIVE_INT32, 2, cr * 8, z);
          ga.atom_offsets = h5::Appender(g, fmt::kAtomOffsets, H5::PredType::NATIVE_INT64, 0, cr, z);
          ga.bond_offsets = h5::Appender(g, fmt::kBondOffsets, H5::PredType::NATIVE_INT64, 0, cr, z);
          std::int64_t zero = 0;
          ga.atom_offsets.append(&zero, 1);
          ga.bond_offsets.append(&zero, 1);
          h5::write_attr(g, "atom_feature_size", static_cast<std::int64_t>(gf->width()));
          h5::write_attr(g, "bond_feature_size", static_cast<std::int64_t>(gf->bond_width()));
          break;
        }
      }
    }
  }

  void append(const RecordChunk& c) {
    const size_t n = c.size();
    HITFORGE_CHECK(c.ids.size() == n && c.smiles.size() == n && c.inputs.size() == n && c.reasons.size() == n &&
                       c.source_index.size() == n && c.source_line.size() == n,
                   "ragged RecordChunk");
    if (n == 0) return;
    ids.append(c.ids);
    inputs.append(c.inputs);
    smiles.append(c.smiles);
    reasons.append(c.reasons);
    status.append(c.status.data(), n);
    source_index.append(c.source_index.data(), n);
    source_line.append(c.source_line.data(), n);
    const size_t t = schema.target_names.size();
    if (t) {
      HITFORGE_CHECK(c.targets.size() == n * t, "targets size ", c.targets.size(), " != ", n, "x", t);
      targets.append(c.targets.data(), n);
      for (size_t i = 0; i < n; ++i)
        for (size_t k = 0; k < t; ++k) {
          float v = c.targets[i * t + k];
          if (std::isnan(v)) continue;
          seen_any[k] = 1;
          if (v != 0.0f && v != 1.0f) seen_non_binary[k] = 1;
        }
    }
    HITFORGE_CHECK(c.blocks.size() == schema.featurizers.size(), "one BlockChunk per featuriser");
    for (size_t b = 0; b < c.blocks.size(); ++b) {
      const auto& blk = c.blocks[b];
      const chem::Featurizer& f = *schema.featurizers[b];
      if (f.kind() == chem::FeatureKind::tokens) {
        auto& tb = token_blocks[b];
        HITFORGE_CHECK(blk.n_tokens.size() == n, "tokens block row counts");
        std::vector<std::int32_t> ids(blk.tokens.size());
        for (size_t k = 0; k < ids.size(); ++k) ids[k] = static_cast<std::int32_t>(tb.vocab.add(blk.tokens[k]));
        std::vector<std::int64_t> off(n);
        std::int64_t run = tb.total;
        for (size_t i = 0; i < n; ++i) off[i] = run += blk.n_tokens[i];
        HITFORGE_CHECK(run - tb.total == static_cast<std::int64_t>(ids.size()), "token counts disagree");
        tb.ids.append(ids.data(), ids.size());
        tb.offsets.append(off.data(), n);
        tb.total = run;
        continue;
      }
      if (f.kind() != chem::FeatureKind::graph) {
        HITFORGE_CHECK(blk.fixed.size() == n * f.row_bytes(), "block ", schema.block_names[b], " has ",
                       blk.fixed.size(), " bytes for ", n, " rows");
        fixed[b].append(blk.fixed.data(), n);
        continue;
      }
      auto& ga = graphs[b];
      HITFORGE_CHECK(blk.n_atoms.size() == n && blk.n_bonds.size() == n, "graph block row counts");
      std::int64_t atoms = 0, bonds = 0;
      std::vector<std::int64_t> aoff(n), boff(n);
      for (size_t i = 0; i < n; ++i) {
        atoms += blk.n_atoms[i];
        bonds += blk.n_bonds[i];
        aoff[i] = ga.atom_total + atoms;
        boff[i] = ga.bond_total + bonds;
      }
      ga.atoms.append(blk.atom_features.data(), atoms);
      ga.bonds.append(blk.bond_features.data(), bonds);
      ga.bond_atoms.append(blk.bond_atoms.data(), bonds);
      ga.atom_offsets.append(aoff.data(), n);
      ga.bond_offsets.append(boff.data(), n);
      ga.atom_total += atoms;
      ga.bond_total += bonds;
    }
    rows += static_cast<std::int64_t>(n);
  }

  std::vector<std::string> inferred() const {
    std::vector<std::string> out;
    for (size_t k = 0; k < seen_any.size(); ++k)
      out.push_back(seen_any[k] && !seen_non_binary[k] ? "classification" : "regression");
    return out;
  }

  void finish() {
    HITFORGE_CHECK(!finished, "finish() called twice");
    H5::Group root = h5.openGroup("/");
    h5::write_attr(root, "format", std::string(fmt::kFormatName));
    h5::write_attr(root, "format_version", fmt::kFormatVersion);
    h5::write_attr(root, "hitforge_version", std::string(HITFORGE_VERSION));
    char ts[32];
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    h5::write_attr(root, "created_utc", std::string(ts));
    h5::write_attr(root, "n_records", rows);
    if (!schema.target_names.empty()) {
      H5::Group tg = root.openGroup(fmt::kTargets);
      auto types = task_types.empty() ? inferred() : task_types;
      HITFORGE_REQUIRE(types.size() == schema.target_names.size(), "got ", types.size(), " task types for ",
                       schema.target_names.size(), " targets");
      h5::write_attr(tg, "task_types", types);
    }
    H5::Group prov = root.createGroup(fmt::kProvenance);
    for (const auto& [k, v] : provenance) h5::write_attr(prov, k, v);
    std::vector<std::string> specs;
    for (const auto* f : schema.featurizers) specs.push_back(f->spec());
    for (size_t b = 0; b < schema.featurizers.size(); ++b) {
      if (schema.featurizers[b]->kind() != chem::FeatureKind::tokens) continue;
      H5::Group g = root.openGroup(std::string(fmt::kFeatures) + "/" + schema.block_names[b]);
      h5::write_attr(g, "vocabulary", token_blocks[b].vocab.to_json().dump());
      h5::write_attr(g, "vocab_size", static_cast<std::int64_t>(token_blocks[b].vocab.size()));
    }
    h5::write_attr(prov, "featurizers", specs);
    h5.close();
    file.commit();
    finished = true;
  }
};

DatasetWriter::DatasetWriter(const std::string& path, DatasetSchema schema, WriterOptions options)
    : impl_(std::make_unique<Impl>(path, std::move(schema), options)) {}
DatasetWriter::~DatasetWriter() {
  if (impl_ && !impl_->finished) {
    try {
      impl_->h5.close();
    } catch (...) {
    }
  }
}
void DatasetWriter::append(const RecordChunk& chunk) { impl_->append(chunk); }
std::int64_t DatasetWriter::rows() const { return impl_->rows; }
void DatasetWriter::set_task_types(std::vector<std::string> t) {
  for (const auto& s : t)
    HITFORGE_REQUIRE(s == "regression" || s == "classification", "task type must be regression or classification, got '", s, "'");
  impl_->task_types = std::move(t);
}
void DatasetWriter::set_provenance(const std::string& k, const std::string& v) { impl_->provenance[k] = v; }
std::vector<std::string> DatasetWriter::task_types() const {
  return impl_->task_types.empty() ? impl_->inferred() : impl_->task_types;
}
void DatasetWriter::finish() { impl_->finish(); }

void DatasetWriter::write_proteins(const ProteinTable& t) {
  const size_t p = t.size();
  HITFORGE_REQUIRE(t.sequences.size() == p && t.status.size() == p && t.reasons.size() == p && t.lengths.size() == p,
                   "protein table columns disagree in length (", p, " ids)");
  HITFORGE_REQUIRE(t.token_offsets.empty() || t.token_offsets.size() == p + 1, "protein token offsets: expected ",
                   p + 1, ", got ", t.token_offsets.size());
  HITFORGE_REQUIRE(t.token_offsets.empty() || (t.token_offsets.front() == 0 &&
                                               t.token_offsets.back() == static_cast<std::int64_t>(t.token_ids.size())),
                   "protein token offsets do not span the token ids");
  H5::Group root = impl_->h5.openGroup("/");
  HITFORGE_REQUIRE(!h5::exists(root, fmt::kProteins), "write_proteins() called twice");
  H5::Group g = root.createGroup(fmt::kProteins);
  h5::write_strings(g, fmt::kId, t.ids);
  h5::write_strings(g, fmt::kSequence, t.sequences);
  h5::write_array(g, fmt::kStatus, t.status);
  h5::write_strings(g, fmt::kReason, t.reasons);
  h5::write_array(g, fmt::kLength, t.lengths);
  if (t.token_offsets.empty()) return;
  H5::Group tg = g.createGroup(fmt::kTokens);
  h5::write_array(tg, fmt::kTokenIds, t.token_ids);
  h5::write_array(tg, fmt::kTokenOffsets, t.token_offsets);
  h5::write_attr(tg, "crop", t.crop);
  h5::write_attr(tg, "max_length", t.max_length);
  h5::write_attr(tg, "vocabulary", t.vocabulary_json);
  h5::write_attr(tg, "vocab_size", t.vocab_size);
}

void DatasetWriter::write_proteins(const std::vector<std::string>& ids, const std::vector<std::string>& seqs) {
  HITFORGE_REQUIRE(ids.size() == seqs.size(), "protein ids and sequences differ in length");
  ProteinTable t;
  t.ids = ids;
  t.sequences = seqs;
  t.status.assign(ids.size(), 0);
  t.reasons.assign(ids.size(), "");
  for (const auto& s : seqs) t.lengths.push_back(static_cast<std::int64_t>(s.size()));
  write_proteins(t);
}

void DatasetWriter::write_pairs(const PairTable& t) {
  const size_t m = t.size(), nt = t.label_names.size();
  HITFORGE_REQUIRE(t.protein.size() == m && t.labels.size() == m * nt && t.status.size() == m &&
                       t.reasons.size() == m && t.source_index.size() == m && (t.fold.empty() || t.fold.size() == m),
                   "pair table columns disagree in length (", m, " pairs, ", nt, " labels)");
  H5::Group root = impl_->h5.openGroup("/");
  HITFORGE_REQUIRE(!h5::exists(root, fmt::kPairs), "write_pairs() called twice");
  // Indices of valid pairs must resolve; an invalid pair may carry -1 for an unknown id.
  std::int64_t n_proteins = -1;
  if (h5::exists(root, fmt::kProteins))
    n_proteins = static_cast<std::int64_t>(h5::shape(root.openGroup(fmt::kProteins).openDataSet(fmt::kId))[0]);
  for (size_t i = 0; i < m; ++i) {
    if (t.status[i] != 0) continue;
    HITFORGE_REQUIRE(t.ligand[i] >= 0 && t.ligand[i] < impl_->rows, "pair ", i, ": ligand ", t.ligand[i],
                     " is not a record (", impl_->rows, " ligands written)");
    HITFORGE_REQUIRE(t.protein[i] >= 0 && (n_proteins < 0 || t.protein[i] < n_proteins), "pair ", i, ": protein ",
                     t.protein[i], " is not in the protein table");
  }
  for (auto f : t.fold)
    HITFORGE_REQUIRE(f >= -1 && f < static_cast<std::int32_t>(t.fold_names.size()), "pair fold ", f,
                     " has no name (", t.fold_names.size(), " fold names)");
  H5::Group g = root.createGroup(fmt::kPairs);
  h5::write_array(g, fmt::kLigand, t.ligand);
  h5::write_array(g, fmt::kProtein, t.protein);
  h5::write_array(g, fmt::kLabel, t.labels, nt);
  h5::write_attr(g, "names", t.label_names);
  h5::write_array(g, fmt::kStatus, t.status);
  h5::write_strings(g, fmt::kReason, t.reasons);
  h5::write_array(g, fmt::kSourceIndex, t.source_index);
  if (!t.fold.empty()) {
    h5::write_array(g, fmt::kFold, t.fold);
    H5::DataSet fd = g.openDataSet(fmt::kFold);
    h5::write_attr(fd, "names", t.fold_names);
    h5::write_attr(fd, "test_fold", static_cast<std::int64_t>(t.test_fold));
  }
}

void DatasetWriter::write_pairs(const std::vector<std::int64_t>& ligand, const std::vector<std::int64_t>& protein,
                                const std::vector<float>& labels, const std::vector<std::string>& label_names) {
  PairTable t;
  t.ligand = ligand;
  t.protein = protein;
  t.labels = labels;
  t.label_names = label_names;
  t.status.assign(ligand.size(), 0);
  t.reasons.assign(ligand.size(), "");
  for (size_t i = 0; i < ligand.size(); ++i) t.source_index.push_back(static_cast<std::int64_t>(i));
  write_pairs(t);
}

void DatasetWriter::write_splits(const std::vector<NamedSplit>& splits) {
  detail::write_split_groups(impl_->h5.openGroup("/"), splits);
}

}  // namespace hitforge::data
