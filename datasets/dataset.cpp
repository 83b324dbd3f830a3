#include "datasets/dataset.h"

#include <algorithm>
#include <cstring>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <random>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/hdf5_util.h"
#include "datasets/format.h"

namespace hitforge::data {
namespace h5 = core::h5;
using core::str_cat;
using core::UsageError;

namespace {
chem::FeatureKind parse_kind(const std::string& s, const std::string& block) {
  for (auto k : {chem::FeatureKind::packed_bits, chem::FeatureKind::counts_u8, chem::FeatureKind::dense_f32,
                 chem::FeatureKind::graph, chem::FeatureKind::tokens})
    if (s == chem::to_string(k)) return k;
  throw UsageError(str_cat("feature block '", block, "' has unknown kind '", s, "'"));
}
}  // namespace

Dataset::Dataset(const std::string& path) : path_(path) {
  file_ = h5::open_file(path);
  H5::Group root = file_.openGroup("/");
  std::string format = h5::has_attr(root, "format") ? h5::read_attr_string(root, "format") : "";
  if (format != fmt::kFormatName)
    throw UsageError(str_cat("'", path, "' is an HDF5 file but not a hitforge dataset (no format attribute)"));
  auto version = h5::read_attr_int(root, "format_version");
  if (version > fmt::kFormatVersion)
    throw UsageError(str_cat("'", path, "' uses dataset format v", version, "; this hitforge reads up to v",
                             fmt::kFormatVersion, " — upgrade hitforge"));
  n_ = h5::read_attr_int(root, "n_records");
  if (h5::exists(root, fmt::kTargets)) {
    H5::Group tg = root.openGroup(fmt::kTargets);
    target_names_ = h5::read_attr_strings(tg, "names");
    task_types_ = h5::read_attr_strings(tg, "task_types");
  }
  H5::Group feats = root.openGroup(fmt::kFeatures);
  for (hsize_t i = 0; i < feats.getNumObjs(); ++i) {
    FeatureBlockInfo b;
    b.name = feats.getObjnameByIdx(i);
    H5::Group g = feats.openGroup(b.name);
    b.spec = h5::read_attr_string(g, "spec");
    b.kind = parse_kind(h5::read_attr_string(g, "kind"), b.name);
    b.width = h5::read_attr_int(g, "width");
    if (b.kind == chem::FeatureKind::packed_bits) b.row_bytes = (b.width + 7) / 8;
    else if (b.kind == chem::FeatureKind::counts_u8) b.row_bytes = b.width;
    else if (b.kind == chem::FeatureKind::dense_f32) b.row_bytes = 4 * b.width;
    if (b.kind == chem::FeatureKind::dense_f32) b.columns = h5::read_attr_strings(g, "columns");
    blocks_.push_back(std::move(b));
  }
}

H5::Group Dataset::group(const std::string& p) const {
  H5::Group root = file_.openGroup("/");
  if (!h5::exists(root, p)) throw UsageError(str_cat("'", path_, "' has no group '", p, "'"));
  return root.openGroup(p);
}

std::string Dataset::attribute(const std::string& name) const {
  H5::Group root = file_.openGroup("/");
  if (!h5::has_attr(root, name)) return {};
  H5::Attribute a = root.openAttribute(name);
  if (a.getTypeClass() == H5T_STRING) return h5::read_attr_string(root, name);
  if (a.getTypeClass() == H5T_INTEGER) return std::to_string(h5::read_attr_int(root, name));
  return std::to_string(h5::read_attr_double(root, name));
}

std::string Dataset::provenance(const std::string& key) const {
  H5::Group root = file_.openGroup("/");
  if (!h5::exists(root, fmt::kProvenance)) return {};
  H5::Group g = root.openGroup(fmt::kProvenance);
  return h5::has_attr(g, key) ? h5::read_attr_string(g, key) : std::string();
}

std::vector<std::string> Dataset::ids() const { return h5::read_strings(group(fmt::kRecords).openDataSet(fmt::kId)); }
std::vector<std::string> Dataset::smiles() const {
  return h5::read_strings(group(fmt::kRecords).openDataSet(fmt::kSmiles));
}
std::vector<std::string> Dataset::inputs() const {
  return h5::read_strings(group(fmt::kRecords).openDataSet(fmt::kInput));
}
std::vector<std::string> Dataset::reasons() const {
  return h5::read_strings(group(fmt::kRecords).openDataSet(fmt::kReason));
}
std::vector<std::uint8_t> Dataset::status() const {
  return h5::read_all<std::uint8_t>(group(fmt::kRecords).openDataSet(fmt::kStatus));
}
std::vector<std::string> Dataset::smiles_range(std::int64_t start, std::int64_t count) const {
  return h5::read_strings(group(fmt::kRecords).openDataSet(fmt::kSmiles), start, count);
}

std::vector<std::int64_t> Dataset::valid_indices() const {
  auto st = status();
  std::vector<std::int64_t> out;
  for (size_t i = 0; i < st.size(); ++i)
    if (st[i] == 0) out.push_back(static_cast<std::int64_t>(i));
  return out;
}

std::vector<float> Dataset::targets(const std::vector<std::int64_t>& indices) const {
  std::vector<float> out;
  if (target_names_.empty()) return out;
  h5::read_indexed_rows<float>(group(fmt::kTargets).openDataSet(fmt::kValues), indices, out);
  return out;
}

std::vector<float> Dataset::all_targets() const {
  if (target_names_.empty()) return {};
  return h5::read_all<float>(group(fmt::kTargets).openDataSet(fmt::kValues));
}

const FeatureBlockInfo& Dataset::block(const std::string& name) const {
  for (const auto& b : blocks_)
    if (b.name == name) return b;
  std::string names;
  for (const auto& b : blocks_) names += (names.empty() ? "" : ", ") + b.name;
  throw UsageError(str_cat("'", path_, "' has no feature block '", name, "' (blocks: ", names.empty() ? "none" : names, ")"));
}

std::vector<std::uint8_t> Dataset::read_fixed(const std::string& name, const std::vector<std::int64_t>& indices) const {
  const auto& b = block(name);
  HITFORGE_REQUIRE(b.row_bytes > 0, "feature block '", name, "' is not a fixed-width block");
  H5::DataSet ds = group(std::string(fmt::kFeatures) + "/" + name).openDataSet(fmt::kData);
  std::vector<std::uint8_t> out;
  if (b.kind == chem::FeatureKind::dense_f32) {
    std::vector<float> f;
    h5::read_indexed_rows<float>(ds, indices, f);
    out.resize(f.size() * 4);
    std::memcpy(out.data(), f.data(), out.size());
  } else {
    h5::read_indexed_rows<std::uint8_t>(ds, indices, out);
  }
  return out;
}

std::vector<float> Dataset::read_dense(const std::string& name, const std::vector<std::int64_t>& indices) const {
  const auto& b = block(name);
  HITFORGE_REQUIRE(b.row_bytes > 0, "feature block '", name, "' is not a fixed-width block");
  H5::DataSet ds = group(std::string(fmt::kFeatures) + "/" + name).openDataSet(fmt::kData);
  std::vector<float> out;
  if (b.kind == chem::FeatureKind::dense_f32) {
    h5::read_indexed_rows<float>(ds, indices, out);
    return out;
  }
  std::vector<std::uint8_t> raw;
  h5::read_indexed_rows<std::uint8_t>(ds, indices, raw);
  out.assign(indices.size() * b.width, 0.0f);
  for (size_t r = 0; r < indices.size(); ++r) {
    const std::uint8_t* row = raw.data() + r * b.row_bytes;
    float* dst = out.data() + r * b.width;
    if (b.kind == chem::FeatureKind::counts_u8) {
      for (std::int64_t j = 0; j < b.width; ++j) dst[j] = row[j];
    } else {
      for (std::int64_t j = 0; j < b.width; ++j) dst[j] = (row[j >> 3] >> (j & 7)) & 1;
    }
  }
  return out;
}

chem::MolGraph Dataset::read_graph(const std::string& name, std::int64_t index) const {
  const auto& b = block(name);
  HITFORGE_REQUIRE(b.kind == chem::FeatureKind::graph, "feature block '", name, "' is not a graph block");
  HITFORGE_REQUIRE(index >= 0 && index < n_, "record ", index, " is out of range (", n_, " records)");
  H5::Group g = group(std::string(fmt::kFeatures) + "/" + name);
  std::vector<std::int64_t> ao, bo;
  h5::read_rows<std::int64_t>(g.openDataSet(fmt::kAtomOffsets), index, 2, ao);
  h5::read_rows<std::int64_t>(g.openDataSet(fmt::kBondOffsets), index, 2, bo);
  chem::MolGraph m;
  m.n_atoms = static_cast<std::int32_t>(ao[1] - ao[0]);
  m.n_bonds = static_cast<std::int32_t>(bo[1] - bo[0]);
  h5::read_rows<float>(g.openDataSet(fmt::kAtomFeatures), ao[0], m.n_atoms, m.atom_features);
  h5::read_rows<float>(g.openDataSet(fmt::kBondFeatures), bo[0], m.n_bonds, m.bond_features);
  h5::read_rows<std::int32_t>(g.openDataSet(fmt::kBondAtoms), bo[0], m.n_bonds, m.bond_atoms);
  return m;
}

std::vector<std::int32_t> Dataset::read_tokens(const std::string& name, std::int64_t index) const {
  const auto& b = block(name);
  HITFORGE_REQUIRE(b.kind == chem::FeatureKind::tokens, "feature block '", name, "' is not a tokens block");
  HITFORGE_REQUIRE(index >= 0 && index < n_, "record ", index, " is out of range (", n_, " records)");
  H5::Group g = group(std::string(fmt::kFeatures) + "/" + name);
  std::vector<std::int64_t> off;
  h5::read_rows<std::int64_t>(g.openDataSet(fmt::kTokenOffsets), index, 2, off);
  std::vector<std::int32_t> ids;
  h5::read_rows<std::int32_t>(g.openDataSet(fmt::kTokenIds), off[0], off[1] - off[0], ids);
  return ids;
}

std::string Dataset::vocabulary_json(const std::string& name) const {
  const auto& b = block(name);
  HITFORGE_REQUIRE(b.kind == chem::FeatureKind::tokens, "feature block '", name, "' is not a tokens block");
  return h5::read_attr_string(group(std::string(fmt::kFeatures) + "/" + name), "vocabulary");
}

std::vector<std::string> Dataset::split_names() const {
  std::vector<std::string> out;
  H5::Group root = file_.openGroup("/");
  if (!h5::exists(root, fmt::kSplits)) return out;
  H5::Group s = root.openGroup(fmt::kSplits);
  for (hsize_t i = 0; i < s.getNumObjs(); ++i) out.push_back(s.getObjnameByIdx(i));
  return out;
}

SplitInfo Dataset::split(const std::string& name) const {
  auto names = split_names();
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    std::string list;
    for (auto& n : names) list += (list.empty() ? "" : ", ") + n;
    throw UsageError(str_cat("'", path_, "' has no split '", name, "' (splits: ", list.empty() ? "none — run hitforge dataset split" : list, ")"));
  }
  H5::Group g = group(std::string(fmt::kSplits) + "/" + name);
  SplitInfo info;
  info.name = name;
  info.method = h5::read_attr_string(g, "method");
  info.seed = h5::read_attr_int(g, "seed");
  info.sizes = h5::read_attr_string(g, "sizes");
  info.split.train = h5::read_all<std::int64_t>(g.openDataSet("train"));
  info.split.valid = h5::read_all<std::int64_t>(g.openDataSet("valid"));
  info.split.test = h5::read_all<std::int64_t>(g.openDataSet("test"));
  return info;
}

bool Dataset::has_pairs() const { return h5::exists(file_.openGroup("/"), fmt::kPairs); }
std::int64_t Dataset::n_pairs() const {
  if (!has_pairs()) return 0;
  return static_cast<std::int64_t>(h5::shape(group(fmt::kPairs).openDataSet(fmt::kLigand))[0]);
}
std::vector<std::int64_t> Dataset::pair_ligands() const {
  return h5::read_all<std::int64_t>(group(fmt::kPairs).openDataSet(fmt::kLigand));
}
std::vector<std::int64_t> Dataset::pair_proteins() const {
  return h5::read_all<std::int64_t>(group(fmt::kPairs).openDataSet(fmt::kProtein));
}
std::vector<std::string> Dataset::pair_label_names() const {
  return h5::read_attr_strings(group(fmt::kPairs), "names");
}
std::vector<float> Dataset::pair_labels(const std::vector<std::int64_t>& pairs) const {
  std::vector<float> out;
  h5::read_indexed_rows<float>(group(fmt::kPairs).openDataSet(fmt::kLabel), pairs, out);
  return out;
}
std::vector<float> Dataset::all_pair_labels() const {
  return h5::read_all<float>(group(fmt::kPairs).openDataSet(fmt::kLabel));
}
std::vector<std::uint8_t> Dataset::pair_status() const {
  H5::Group g = group(fmt::kPairs);
  if (!h5::exists(g, fmt::kStatus)) return std::vector<std::uint8_t>(static_cast<size_t>(n_pairs()), 0);
  return h5::read_all<std::uint8_t>(g.openDataSet(fmt::kStatus));
}
std::vector<std::string> Dataset::pair_reasons() const {
  H5::Group g = group(fmt::kPairs);
  if (!h5::exists(g, fmt::kReason)) return std::vector<std::string>(static_cast<size_t>(n_pairs()));
  return h5::read_strings(g.openDataSet(fmt::kReason));
}
std::vector<std::int64_t> Dataset::pair_source_index() const {
  H5::Group g = group(fmt::kPairs);
  if (!h5::exists(g, fmt::kSourceIndex)) return iota_indices(n_pairs());
  return h5::read_all<std::int64_t>(g.openDataSet(fmt::kSourceIndex));
}
std::vector<std::int64_t> Dataset::valid_pairs() const {
  auto st = pair_status();
  std::vector<std::int64_t> out;
  for (size_t i = 0; i < st.size(); ++i)
    if (st[i] == 0) out.push_back(static_cast<std::int64_t>(i));
  return out;
}
std::vector<std::int32_t> Dataset::pair_folds() const {
  H5::Group g = group(fmt::kPairs);
  if (!h5::exists(g, fmt::kFold)) return {};
  return h5::read_all<std::int32_t>(g.openDataSet(fmt::kFold));
}
std::vector<std::string> Dataset::pair_fold_names() const {
  H5::Group g = group(fmt::kPairs);
  if (!h5::exists(g, fmt::kFold)) return {};
  return h5::read_attr_strings(g.openDataSet(fmt::kFold), "names");
}
std::int32_t Dataset::pair_test_fold() const {
  H5::Group g = group(fmt::kPairs);
  if (!h5::exists(g, fmt::kFold)) return -1;
  return static_cast<std::int32_t>(h5::read_attr_int(g.openDataSet(fmt::kFold), "test_fold"));
}

std::int64_t Dataset::n_proteins() const {
  if (!h5::exists(file_.openGroup("/"), fmt::kProteins)) return 0;
  return static_cast<std::int64_t>(h5::shape(group(fmt::kProteins).openDataSet(fmt::kId))[0]);
}
std::vector<std::string> Dataset::protein_ids() const {
  return h5::read_strings(group(fmt::kProteins).openDataSet(fmt::kId));
}
std::vector<std::string> Dataset::protein_sequences() const {
  return h5::read_strings(group(fmt::kProteins).openDataSet(fmt::kSequence));
}
std::vector<std::uint8_t> Dataset::protein_status() const {
  H5::Group g = group(fmt::kProteins);
  if (!h5::exists(g, fmt::kStatus)) return std::vector<std::uint8_t>(static_cast<size_t>(n_proteins()), 0);
  return h5::read_all<std::uint8_t>(g.openDataSet(fmt::kStatus));
}
std::vector<std::string> Dataset::protein_reasons() const {
  H5::Group g = group(fmt::kProteins);
  if (!h5::exists(g, fmt::kReason)) return std::vector<std::string>(static_cast<size_t>(n_proteins()));
  return h5::read_strings(g.openDataSet(fmt::kReason));
}
bool Dataset::has_protein_tokens() const {
  H5::Group root = file_.openGroup("/");
  return h5::exists(root, fmt::kProteins) && h5::exists(root.openGroup(fmt::kProteins), fmt::kTokens);
}
namespace {
H5::Group protein_tokens_group(const Dataset& ds, const H5::Group& proteins) {
  HITFORGE_REQUIRE(ds.has_protein_tokens(), "'", ds.path(),
                   "' has no protein token ids (rebuild it with hitforge dataset build --pairs)");
  return proteins.openGroup(fmt::kTokens);
}
}  // namespace
void Dataset::read_protein_tokens(std::vector<std::int32_t>& ids, std::vector<std::int64_t>& offsets) const {
  H5::Group g = protein_tokens_group(*this, group(fmt::kProteins));
  ids = h5::read_all<std::int32_t>(g.openDataSet(fmt::kTokenIds));
  offsets = h5::read_all<std::int64_t>(g.openDataSet(fmt::kTokenOffsets));
  HITFORGE_REQUIRE(static_cast<std::int64_t>(offsets.size()) == n_proteins() + 1 && offsets.front() == 0 &&
                       offsets.back() == static_cast<std::int64_t>(ids.size()),
                   "'", path_, "': protein token offsets are inconsistent with the protein table");
}
std::string Dataset::protein_crop() const {
  return h5::read_attr_string(protein_tokens_group(*this, group(fmt::kProteins)), "crop");
}
std::int64_t Dataset::protein_max_length() const {
  return h5::read_attr_int(protein_tokens_group(*this, group(fmt::kProteins)), "max_length");
}
std::string Dataset::protein_vocabulary_json() const {
  return h5::read_attr_string(protein_tokens_group(*this, group(fmt::kProteins)), "vocabulary");
}

void write_splits(const std::string& path, const std::vector<NamedSplit>& splits) {
  for (const auto& s : splits)
    HITFORGE_REQUIRE(!s.name.empty() && s.name.find('/') == std::string::npos, "split name '", s.name,
                     "' must be non-empty and contain no '/'");
  { Dataset check(path); }  // validates the file before copying it
  core::AtomicFile out(path);
  std::filesystem::copy_file(path, out.temp_path(), std::filesystem::copy_options::overwrite_existing);
  {
    H5::H5File f = h5::open_file(out.temp_path(), /*writable=*/true);
    detail::write_split_groups(f.openGroup("/"), splits);
    f.close();
  }
  out.commit();
}

void detail::write_split_groups(H5::Group root, const std::vector<NamedSplit>& splits) {
  for (const auto& s : splits)
    HITFORGE_REQUIRE(!s.name.empty() && s.name.find('/') == std::string::npos, "split name '", s.name,
                     "' must be non-empty and contain no '/'");
  H5::Group group = h5::require_group(root, fmt::kSplits);
  for (const auto& s : splits) {
    if (h5::exists(group, s.name)) group.unlink(s.name);
    H5::Group g = group.createGroup(s.name);
    h5::write_array(g, "train", s.split.train);
    h5::write_array(g, "valid", s.split.valid);
    h5::write_array(g, "test", s.split.test);
    h5::write_attr(g, "method", s.method);
    h5::write_attr(g, "seed", s.seed);
    h5::write_attr(g, "sizes", s.sizes);
  }
}

std::vector<std::vector<std::int64_t>> make_batches(const std::vector<std::int64_t>& indices, std::size_t batch_size,
                                                    bool shuffle, std::uint64_t seed) {
  HITFORGE_REQUIRE(batch_size > 0, "batch size must be positive");
  std::vector<std::int64_t> order = indices;
  if (shuffle) {
    std::mt19937_64 rng(seed);
    deterministic_shuffle(order, rng);
  }
  std::vector<std::vector<std::int64_t>> out;
  for (size_t i = 0; i < order.size(); i += batch_size)
    out.emplace_back(order.begin() + i, order.begin() + std::min(order.size(), i + batch_size));
  return out;
}

}  // namespace hitforge::data
