#include "chem/scoring/similarity_scorer.h"

#include <GraphMol/RWMol.h>

#include <algorithm>

#include "chem/mol_input.h"
#include "chem/molecule_reader.h"
#include "chem/scoring/scorer_params.h"
#include "core/error.h"

namespace hitforge::chem {

using core::str_cat;
using core::UsageError;

namespace {

void check_label(const std::string& label) {
  HITFORGE_REQUIRE(!label.empty(), "scorer 'similarity': 'label' must not be empty");
  for (char c : label)
    HITFORGE_REQUIRE((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-',
                     "scorer 'similarity': 'label' '", label, "' may hold only letters, digits, '_' and '-'");
}

int popcount_row(const std::uint64_t* w, std::size_t n) {
  int c = 0;
  for (std::size_t i = 0; i < n; ++i) c += __builtin_popcountll(w[i]);
  return c;
}

int sum_counts(const std::uint8_t* c, std::size_t n) {
  int s = 0;
  for (std::size_t i = 0; i < n; ++i) s += c[i];
  return s;
}

}  // namespace

SimilarityParams SimilarityParams::from_json(const nlohmann::json& params) {
  using namespace scoring_detail;
  check_keys(params, {"references", "reference_file", "smiles_col", "id_col", "fingerprint", "mode", "label"});
  SimilarityParams p;
  p.references = get_string_list(params, "references");
  p.reference_file = get_string(params, "reference_file", "");
  p.smiles_col = get_string(params, "smiles_col", "");
  p.id_col = get_string(params, "id_col", "");
  p.fingerprint = get_string(params, "fingerprint", p.fingerprint);
  p.mode = get_string(params, "mode", p.mode);
  p.label = get_string(params, "label", p.label);
  HITFORGE_REQUIRE(params.contains("references") != !p.reference_file.empty(),
                   "scorer 'similarity': give exactly one of 'references' (array of SMILES) or 'reference_file'");
  HITFORGE_REQUIRE(p.mode == "max" || p.mode == "mean", "scorer 'similarity': 'mode' must be \"max\" or \"mean\", got '",
                   p.mode, "'");
  HITFORGE_REQUIRE(p.reference_file.empty() ? p.smiles_col.empty() && p.id_col.empty() : true,
                   "scorer 'similarity': 'smiles_col'/'id_col' apply only to 'reference_file'");
  check_label(p.label);
  return p;
}

SimilarityScorer::SimilarityScorer(SimilarityParams params) : params_(std::move(params)) {
  featurizer_ = make_featurizer(params_.fingerprint);
  const FeatureKind kind = featurizer_->kind();
  HITFORGE_REQUIRE(kind == FeatureKind::packed_bits || kind == FeatureKind::counts_u8, "scorer 'similarity': fingerprint '",
                   params_.fingerprint, "' is ", to_string(kind), "; Tanimoto needs packed_bits or counts_u8");
  counts_ = kind == FeatureKind::counts_u8;
  max_mode_ = params_.mode == "max";
  words_ = (featurizer_->row_bytes() + 7) / 8;

  if (params_.reference_file.empty()) {
    for (std::size_t i = 0; i < params_.references.size(); ++i) {
      const std::string& smi = params_.references[i];
      ParsedMol p = parse_smiles(smi);
      if (!p.ok())
        throw UsageError(str_cat("scorer 'similarity': reference ", i, " ('", smi, "') is invalid: ", p.reason));
      try {
        add_reference(*p.mol, smi);
      } catch (const std::exception& e) {
        throw UsageError(str_cat("scorer 'similarity': reference ", i, " ('", smi, "'): ", e.what()));
      }
    }
  } else {
    ReaderOptions ro;
    ro.smiles_col = params_.smiles_col;
    ro.id_col = params_.id_col;
    auto reader = MoleculeReader::open(params_.reference_file, ro);
    InputRecord rec;
    while (reader->next(rec)) {
      const std::string where = str_cat("scorer 'similarity': reference file '", params_.reference_file, "' record ",
                                        rec.index, " (line ", rec.line, rec.id.empty() ? "" : ", id " + rec.id, ")");
      HITFORGE_REQUIRE(rec.error.empty(), where, ": ", rec.error);
      ParsedMol p = rec.is_molblock ? parse_molblock(rec.text) : parse_smiles(rec.text);
      HITFORGE_REQUIRE(p.ok(), where, " is invalid: ", p.reason);
      try {
        add_reference(*p.mol, rec.id.empty() ? str_cat("record ", rec.index) : rec.id);
      } catch (const std::exception& e) {
        throw UsageError(str_cat(where, ": ", e.what()));
      }
    }
  }
  HITFORGE_REQUIRE(!ref_names_.empty(), "scorer 'similarity': no reference molecules",
                   params_.reference_file.empty() ? std::string() : " in '" + params_.reference_file + "'");
}

void SimilarityScorer::add_reference(const RDKit::ROMol& mol, std::string name) {
  const std::size_t r = ref_names_.size();
  ref_rows_.resize((r + 1) * words_, 0);
  auto* row = reinterpret_cast<std::uint8_t*>(ref_rows_.data() + r * words_);
  featurizer_->compute(mol, row);
  ref_totals_.push_back(counts_ ? sum_counts(row, featurizer_->width()) : popcount_row(ref_rows_.data() + r * words_, words_));
  ref_names_.push_back(std::move(name));
}

double SimilarityScorer::similarity(const std::uint64_t* row, int row_total, std::size_t r) const {
  const std::uint64_t* ref = ref_rows_.data() + r * words_;
  if (!counts_) {
    int common = 0;
    for (std::size_t i = 0; i < words_; ++i) common += __builtin_popcountll(row[i] & ref[i]);
    const int uni = row_total + ref_totals_[r] - common;
    return uni == 0 ? 1.0 : static_cast<double>(common) / uni;
  }
  // Σmin / Σmax, with Σmax = Σa + Σb − Σmin.
  const auto* a = reinterpret_cast<const std::uint8_t*>(row);
  const auto* b = reinterpret_cast<const std::uint8_t*>(ref);
  const std::size_t n = featurizer_->width();
  int mins = 0;
  for (std::size_t i = 0; i < n; ++i) mins += std::min(a[i], b[i]);
  const int maxs = row_total + ref_totals_[r] - mins;
  return maxs == 0 ? 0.0 : static_cast<double>(mins) / maxs;
}

void SimilarityScorer::compute(const RDKit::ROMol& mol, double* out, std::string* note) const {
  // One buffer per thread, reused: screening calls this millions of times. Zeroed because the featuriser writes
  // row_bytes(), which may end before the padded last word.
  thread_local std::vector<std::uint64_t> buf;
  buf.assign(words_, 0);
  auto* bytes = reinterpret_cast<std::uint8_t*>(buf.data());
  featurizer_->compute(mol, bytes);
  const int total = counts_ ? sum_counts(bytes, featurizer_->width()) : popcount_row(buf.data(), words_);

  const std::size_t n = ref_names_.size();
  double best = -1.0, sum = 0.0;
  std::size_t best_r = 0;
  for (std::size_t r = 0; r < n; ++r) {
    const double s = similarity(buf.data(), total, r);
    sum += s;
    if (s > best) best = s, best_r = r;
  }
  out[0] = max_mode_ ? best : sum / static_cast<double>(n);
  if (note) *note = max_mode_ ? "nearest=" + ref_names_[best_r] : std::string();
}

nlohmann::json SimilarityScorer::params() const {
  nlohmann::json j = {{"name", "similarity"},
                      {"fingerprint", featurizer_->spec()},
                      {"mode", params_.mode},
                      {"label", params_.label}};
  if (params_.reference_file.empty()) {
    j["references"] = params_.references;
  } else {
    j["reference_file"] = params_.reference_file;
    if (!params_.smiles_col.empty()) j["smiles_col"] = params_.smiles_col;
    if (!params_.id_col.empty()) j["id_col"] = params_.id_col;
  }
  return j;
}

}  // namespace hitforge::chem
