#include "search/fingerprint_db.h"

#include <GraphMol/RWMol.h>

#include <algorithm>
#include <exception>

#include "chem/mol_input.h"
#include "core/error.h"
#include "core/hdf5_util.h"
#include "datasets/dataset.h"
#include "datasets/format.h"

namespace hitforge::search {

using core::str_cat;

namespace {
constexpr std::int64_t kLoadChunkRows = 1 << 16;
// Record indices closer than this are read as one run (one HDF5 selection, chunks inflated once).
constexpr std::int64_t kLookupGap = 256;
}  // namespace

FingerprintDb FingerprintDb::load(const std::string& path, const std::string& block) {
  data::Dataset ds(path);
  std::vector<std::string> candidates, all;
  for (const auto& b : ds.blocks()) {
    all.push_back(b.name + " (" + chem::to_string(b.kind) + ")");
    if (b.kind == chem::FeatureKind::packed_bits) candidates.push_back(b.name);
  }
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s.empty() ? std::string("none") : s;
  };
  FingerprintDb db;
  if (block.empty()) {
    HITFORGE_REQUIRE(!candidates.empty(), "'", path, "' has no packed_bits feature block to search (blocks: ",
                     join(all), "); build it with e.g. --featurizer morgan:radius=2,bits=2048");
    HITFORGE_REQUIRE(candidates.size() == 1, "'", path, "' has several packed_bits blocks (", join(candidates),
                     "); choose one with --block");
    db.info_.block = candidates.front();
  } else {
    db.info_.block = block;
  }
  const data::FeatureBlockInfo& b = ds.block(db.info_.block);
  HITFORGE_REQUIRE(b.kind == chem::FeatureKind::packed_bits, "feature block '", b.name, "' of '", path, "' is ",
                   chem::to_string(b.kind), ", not packed_bits; similarity search needs fingerprints (blocks: ",
                   join(all), ")");
  db.info_.path = path;
  db.info_.spec = b.spec;
  db.info_.n_records = ds.size();
  db.featurizer_ = chem::make_featurizer(b.spec);
  HITFORGE_REQUIRE(db.featurizer_->kind() == chem::FeatureKind::packed_bits &&
                       static_cast<std::int64_t>(db.featurizer_->width()) == b.width,
                   "feature block '", b.name, "' spec '", b.spec, "' does not rebuild a ", b.width,
                   "-bit fingerprint");
  std::string st = ds.provenance("standardize");
  db.standardize_ = !st.empty() && st != "none";
  if (db.standardize_) db.standardize_params_ = chem::parse_standardize_params(st);

  const std::vector<std::uint8_t> status = ds.status();
  HITFORGE_REQUIRE(static_cast<std::int64_t>(status.size()) == ds.size(), "'", path, "': records/status has ",
                   status.size(), " rows, expected ", ds.size());
  const auto ok = static_cast<std::uint8_t>(chem::RecordStatus::ok);
  const std::int64_t n_ok = std::count(status.begin(), status.end(), ok);
  db.index_ = FingerprintIndex(static_cast<std::size_t>(b.width));
  db.index_.reserve(static_cast<std::size_t>(n_ok));
  std::vector<std::int64_t> rows;
  for (std::int64_t start = 0; start < ds.size(); start += kLoadChunkRows) {
    const std::int64_t count = std::min(kLoadChunkRows, ds.size() - start);
    rows.clear();
    for (std::int64_t i = start; i < start + count; ++i) rows.push_back(i);  // contiguous: one hyperslab
    const std::vector<std::uint8_t> raw = ds.read_fixed(b.name, rows);
    for (std::int64_t i = 0; i < count; ++i)
      if (status[start + i] == ok) db.index_.add_packed(raw.data() + i * b.row_bytes, start + i);
  }
  db.index_.finalize();
  db.info_.n_indexed = static_cast<std::int64_t>(db.index_.size());
  return db;
}

std::vector<std::uint64_t> FingerprintDb::fingerprint(const std::string& text, std::string& reason, bool molblock,
                                                      std::string* canonical) const {
  chem::ParsedMol p = molblock ? chem::parse_molblock(text) : chem::parse_smiles(text);
  if (!p.ok()) {
    reason = p.reason;
    return {};
  }
  try {
    std::unique_ptr<RDKit::RWMol> mol = std::move(p.mol);
    if (standardize_) {
      chem::StandardizeResult s = chem::standardize(*mol, standardize_params_);
      if (!s.ok()) {
        reason = s.reason;
        return {};
      }
      mol = std::move(s.mol);
    }
    std::vector<std::uint8_t> row(featurizer_->row_bytes());
    featurizer_->compute(*mol, row.data());
    if (canonical) *canonical = chem::canonical_smiles(*mol);
    reason.clear();
    return index_.pack_query(row.data());
  } catch (const std::exception& e) {
    reason = str_cat("featurisation failed: ", e.what());
    return {};
  }
}

void FingerprintDb::lookup(const std::vector<std::int64_t>& records, std::vector<std::string>& ids,
                           std::vector<std::string>& smiles) const {
  ids.assign(records.size(), {});
  smiles.assign(records.size(), {});
  if (records.empty()) return;
  std::vector<std::int64_t> uniq(records);
  std::sort(uniq.begin(), uniq.end());
  uniq.erase(std::unique(uniq.begin(), uniq.end()), uniq.end());
  HITFORGE_REQUIRE(uniq.front() >= 0 && uniq.back() < info_.n_records, "record index out of range");
  H5::H5File file = core::h5::open_file(info_.path);
  H5::Group rec = file.openGroup(data::fmt::kRecords);
  H5::DataSet id_ds = rec.openDataSet(data::fmt::kId), smiles_ds = rec.openDataSet(data::fmt::kSmiles);
  std::vector<std::string> uniq_ids(uniq.size()), uniq_smiles(uniq.size());
  for (std::size_t i = 0; i < uniq.size();) {
    std::size_t j = i + 1;
    while (j < uniq.size() && uniq[j] - uniq[j - 1] <= kLookupGap) ++j;
    const auto start = static_cast<hsize_t>(uniq[i]), count = static_cast<hsize_t>(uniq[j - 1] - uniq[i] + 1);
    std::vector<std::string> run_ids = core::h5::read_strings(id_ds, start, count);
    std::vector<std::string> run_smiles = core::h5::read_strings(smiles_ds, start, count);
    for (std::size_t u = i; u < j; ++u) {
      uniq_ids[u] = std::move(run_ids[uniq[u] - uniq[i]]);
      uniq_smiles[u] = std::move(run_smiles[uniq[u] - uniq[i]]);
    }
    i = j;
  }
  for (std::size_t r = 0; r < records.size(); ++r) {
    std::size_t u = std::lower_bound(uniq.begin(), uniq.end(), records[r]) - uniq.begin();
    ids[r] = uniq_ids[u];
    smiles[r] = uniq_smiles[u];
  }
}

}  // namespace hitforge::search
