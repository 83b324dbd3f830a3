#include "datasets/pair_builder.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "chem/fasta.h"
#include "chem/featurizers/featurizer.h"
#include "chem/line_reader.h"
#include "chem/molecule_reader.h"
#include "chem/tokenizers/protein_tokenizer.h"
#include "chem/tokenizers/vocabulary.h"
#include "core/checksum.h"
#include "core/error.h"
#include "core/log.h"
#include "core/text.h"
#include "core/threads.h"
#include "datasets/builder.h"
#include "datasets/featurize_chunk.h"
#include "datasets/split_dataset.h"

namespace hitforge::data {
namespace fs = std::filesystem;
using core::str_cat;
using core::UsageError;

std::vector<IdString> read_id_string_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  HITFORGE_REQUIRE(in, "cannot open '", path, "'");
  std::ostringstream buf;
  buf << in.rdbuf();
  std::vector<std::string> keys;
  // Only the top-level keys and string values are wanted. Nested containers are discarded while parsing (their
  // keys then read as "not a string"), so a hostile deeply nested value is never copied (see ../shared/NOTES.md).
  auto keep = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    if (event == E::key && depth == 1) keys.push_back(parsed.get<std::string>());
    if ((event == E::object_start || event == E::array_start) && depth >= 1) return false;
    return true;
  };
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(buf.str(), keep);
  } catch (const nlohmann::json::parse_error& e) {
    throw UsageError(str_cat("'", path, "' is not valid JSON: ", e.what()));
  }
  HITFORGE_REQUIRE(j.is_object(), "'", path, "' must hold a JSON object of id → string, got ", j.type_name());
  std::set<std::string> seen;
  std::vector<IdString> out;
  out.reserve(keys.size());
  for (const auto& k : keys) {
    HITFORGE_REQUIRE(seen.insert(k).second, "'", path, "' lists id '", k, "' more than once");
    IdString e;
    e.id = k;
    auto it = j.find(k);
    if (it != j.end() && it->is_string()) e.value = it->get<std::string>();
    else e.error = "value is not a string";
    out.push_back(std::move(e));
  }
  return out;
}

namespace {

bool has_suffix(const std::string& path, std::initializer_list<const char*> suffixes) {
  for (const char* s : suffixes)
    if (chem::ends_with_ci(path, s) || chem::ends_with_ci(path, std::string(s) + ".gz")) return true;
  return false;
}

}  // namespace

std::vector<IdString> read_protein_file(const std::string& path) {
  if (!has_suffix(path, {".fasta", ".fa", ".faa"})) return read_id_string_json(path);
  std::vector<IdString> out;
  std::set<std::string> seen;
  chem::FastaReader reader(path);
  chem::FastaRecord rec;
  while (reader.next(rec)) {
    HITFORGE_REQUIRE(seen.insert(rec.id).second, "'", path, "' lists protein id '", rec.id, "' more than once (line ",
                     reader.line_number(), ")");
    out.push_back({rec.id, rec.sequence, ""});
  }
  return out;
}

namespace {

// A missing matrix cell: what numpy.loadtxt reads as NaN.
bool is_missing_cell(const std::string& t) {
  return t.empty() || t == "nan" || t == "NaN" || t == "NAN" || t == "NA" || t == "N/A";
}

// The affinity stored for a raw value, or a reason.
struct Transform {
  bool pkd = false;
  std::string apply(double raw, float& out) const {
    if (!std::isfinite(raw)) return str_cat("affinity ", raw, " is not finite");
    if (pkd) {
      if (raw <= 0) return str_cat("Kd must be positive for the pKd transform, got ", raw, " nM");
      out = static_cast<float>(-std::log10(raw / 1e9));
    } else {
      out = static_cast<float>(raw);
    }
    return {};
  }
};

// Pair rows read from an affinity source, before ligand/protein validity is known.
struct RawPairs {
  PairTable table;
  std::vector<std::string> error;  // per pair; "" = no problem found in the affinity source
  void add(std::int64_t lig, std::int64_t prot, std::int64_t source, std::string why) {
    table.ligand.push_back(lig);
    table.protein.push_back(prot);
    table.source_index.push_back(source);
    error.push_back(std::move(why));
  }
};

RawPairs read_matrix(const std::string& path, const std::vector<IdString>& ligands,
                     const std::vector<IdString>& proteins, const Transform& tf, const std::string& label) {
  RawPairs rp;
  rp.table.label_names = {label};
  chem::LineReader reader(path);
  std::string_view line;
  std::int64_t row = 0;
  std::vector<std::string> cells;
  const auto n_prot = static_cast<std::int64_t>(proteins.size());
  while (reader.next(line)) {
    cells.clear();
    std::istringstream ss{std::string(line)};
    for (std::string c; ss >> c;) cells.push_back(std::move(c));
    if (cells.empty()) continue;  // blank lines (a trailing newline), as numpy.loadtxt skips them
    HITFORGE_REQUIRE(row < static_cast<std::int64_t>(ligands.size()), "'", path, "' line ", reader.line_number(),
                     ": more matrix rows than the ", ligands.size(), " ligands");
    HITFORGE_REQUIRE(static_cast<std::int64_t>(cells.size()) == n_prot, "'", path, "' line ", reader.line_number(),
                     " has ", cells.size(), " values; expected ", n_prot, " (one per protein, in file order)");
    for (std::int64_t col = 0; col < n_prot; ++col) {
      const std::string& cell = cells[static_cast<size_t>(col)];
      if (is_missing_cell(cell)) continue;
      // A cell that is present but unreadable still takes a pair number, so later fold indices do not shift.
      const auto pair = static_cast<std::int64_t>(rp.table.ligand.size());
      char* end = nullptr;
      const double v = std::strtod(cell.c_str(), &end);
      float y = NAN;
      std::string why = end != cell.c_str() + cell.size()
                            ? str_cat("affinity '", cell, "' (line ", reader.line_number(), ", column ", col + 1,
                                      ") is not a number")
                            : tf.apply(v, y);
      rp.add(row, col, pair, std::move(why));
      rp.table.labels.push_back(y);
    }
    ++row;
  }
  HITFORGE_REQUIRE(row == static_cast<std::int64_t>(ligands.size()), "'", path, "' has ", row,
                   " matrix rows; expected ", ligands.size(), " (one per ligand, in file order)");
  return rp;
}

std::vector<std::int64_t> read_index_list(const nlohmann::json& j, const std::string& path, const std::string& what) {
  HITFORGE_REQUIRE(j.is_array(), "'", path, "': ", what, " must be a JSON list of pair indices");
  std::vector<std::int64_t> out;
  out.reserve(j.size());
  for (const auto& v : j) {
    HITFORGE_REQUIRE(v.is_number_integer(), "'", path, "': ", what, " holds ", v.dump(), ", not a pair index");
    out.push_back(v.get<std::int64_t>());
  }
  return out;
}

nlohmann::json parse_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  HITFORGE_REQUIRE(in, "cannot open '", path, "'");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw UsageError(str_cat("'", path, "' is not valid JSON: ", e.what()));
  }
}

// DeepDTA fold files: train_fold_<setting>.txt = [[...], ...] (training folds), test_fold_<setting>.txt = [...].
void read_fold_files(const std::string& dir, const std::string& setting, PairTable& t,
                     std::map<std::string, std::string>& provenance) {
  const std::string train_path = (fs::path(dir) / ("train_fold_" + setting + ".txt")).string();
  const std::string test_path = (fs::path(dir) / ("test_fold_" + setting + ".txt")).string();
  nlohmann::json train = parse_json_file(train_path), test = parse_json_file(test_path);
  HITFORGE_REQUIRE(train.is_array() && !train.empty(), "'", train_path, "' must be a JSON list of folds (lists)");
  std::vector<std::vector<std::int64_t>> folds;
  for (size_t f = 0; f < train.size(); ++f) folds.push_back(read_index_list(train[f], train_path, str_cat("fold ", f)));
  folds.push_back(read_index_list(test, test_path, "the test fold"));
  const auto m = static_cast<std::int64_t>(t.size());
  t.fold.assign(t.size(), -1);
  t.fold_names.clear();
  for (size_t f = 0; f + 1 < folds.size(); ++f) t.fold_names.push_back(std::to_string(f));
  t.fold_names.push_back("test");
  t.test_fold = static_cast<std::int32_t>(folds.size() - 1);
  for (size_t f = 0; f < folds.size(); ++f) {
    const std::string& file = f + 1 < folds.size() ? train_path : test_path;
    for (auto idx : folds[f]) {
      HITFORGE_REQUIRE(idx >= 0 && idx < m, "'", file, "': fold ", t.fold_names[f], " lists pair index ", idx,
                       ", but the affinity matrix has ", m, " measured pairs");
      auto& slot = t.fold[static_cast<size_t>(idx)];
      HITFORGE_REQUIRE(slot < 0, "pair index ", idx, " is listed in fold ", t.fold_names[static_cast<size_t>(slot)],
                       " and in fold ", t.fold_names[f], " ('", file, "')");
      slot = static_cast<std::int32_t>(f);
    }
  }
  provenance["folds_train_path"] = train_path;
  provenance["folds_train_sha256"] = core::sha256_file(train_path);
  provenance["folds_test_path"] = test_path;
  provenance["folds_test_sha256"] = core::sha256_file(test_path);
}

// Fold names in a stable order: numeric names by value, then other names, the test fold last.
std::vector<std::string> order_fold_names(const std::set<std::string>& names, const std::string& test) {
  std::vector<std::string> out(names.begin(), names.end());
  auto numeric = [](const std::string& s, long& v) {
    char* end = nullptr;
    v = std::strtol(s.c_str(), &end, 10);
    return !s.empty() && end == s.c_str() + s.size();
  };
  std::stable_sort(out.begin(), out.end(), [&](const std::string& a, const std::string& b) {
    if ((a == test) != (b == test)) return b == test;
    long va = 0, vb = 0;
    bool na = numeric(a, va), nb = numeric(b, vb);
    if (na != nb) return na;
    return na ? va < vb : a < b;
  });
  return out;
}

RawPairs read_table(const PairBuildOptions& o, const std::vector<IdString>& ligands,
                    const std::vector<IdString>& proteins, const Transform& tf) {
  RawPairs rp;
  PairTable& t = rp.table;
  t.label_names = o.label_columns.empty() ? std::vector<std::string>{o.label_name} : o.label_columns;
  std::unordered_map<std::string, std::int64_t> lig_index, prot_index;
  for (size_t i = 0; i < ligands.size(); ++i) lig_index.emplace(ligands[i].id, static_cast<std::int64_t>(i));
  for (size_t i = 0; i < proteins.size(); ++i) prot_index.emplace(proteins[i].id, static_cast<std::int64_t>(i));

  chem::LineReader reader(o.affinities);
  const char delim = has_suffix(o.affinities, {".tsv"}) ? '\t' : ',';
  std::string_view line;
  std::vector<std::string> header, fields;
  HITFORGE_REQUIRE(reader.next(line) && chem::split_delimited(line, delim, header), "'", o.affinities,
                   "' has no readable header line");
  auto column = [&](const std::string& name, const char* role) {
    auto it = std::find(header.begin(), header.end(), name);
    HITFORGE_REQUIRE(it != header.end(), "'", o.affinities, "' has no ", role, " column '", name, "' (columns: ",
                     core::join(header), ")");
    return static_cast<size_t>(it - header.begin());
  };
  const size_t drug_col = column(o.drug_column, "drug id"), prot_col = column(o.protein_column, "protein id");
  std::vector<size_t> label_cols;
  for (const auto& n : t.label_names) label_cols.push_back(column(n, "affinity"));
  const bool with_folds = !o.fold_column.empty();
  const size_t fold_col = with_folds ? column(o.fold_column, "fold") : 0;
  std::vector<std::string> fold_text;  // per pair, resolved to numbers once every name is known
  std::int64_t row = 0;
  while (reader.next(line)) {
    if (line.empty()) continue;
    const std::int64_t source = row++;
    float nan = NAN;
    if (!chem::split_delimited(line, delim, fields) || fields.size() != header.size()) {
      rp.add(-1, -1, source, str_cat("malformed row at line ", reader.line_number(), " (", fields.size(),
                                     " fields; the header has ", header.size(), ")"));
      for (size_t k = 0; k < label_cols.size(); ++k) t.labels.push_back(nan);
      fold_text.emplace_back();
      continue;
    }
    auto li = lig_index.find(fields[drug_col]);
    auto pi = prot_index.find(fields[prot_col]);
    std::string why;
    if (li == lig_index.end()) why = str_cat("unknown drug id '", fields[drug_col], "' (not in '", o.ligands, "')");
    else if (pi == prot_index.end())
      why = str_cat("unknown protein id '", fields[prot_col], "' (not in '", o.proteins, "')");
    bool any_label = false;
    for (size_t k = 0; k < label_cols.size(); ++k) {
      float v = NAN;
      if (!parse_target_value(fields[label_cols[k]], v)) {
        if (why.empty()) why = str_cat("affinity '", t.label_names[k], "' is not a number: '", fields[label_cols[k]], "'");
      } else if (!std::isnan(v)) {
        std::string bad = tf.apply(v, v);
        if (!bad.empty() && why.empty()) why = std::move(bad);
        any_label = any_label || bad.empty();
      }
      t.labels.push_back(v);
    }
    if (why.empty() && !any_label) why = "affinity is missing";
    rp.add(li == lig_index.end() ? -1 : li->second, pi == prot_index.end() ? -1 : pi->second, source, std::move(why));
    fold_text.push_back(with_folds ? fields[fold_col] : std::string());
  }
  if (with_folds) {
    std::set<std::string> names;
    for (const auto& f : fold_text)
      if (!f.empty()) names.insert(f);
    t.fold_names = order_fold_names(names, o.test_fold_name);
    auto test = std::find(t.fold_names.begin(), t.fold_names.end(), o.test_fold_name);
    t.test_fold = test == t.fold_names.end() ? -1 : static_cast<std::int32_t>(test - t.fold_names.begin());
    t.fold.assign(t.size(), -1);
    for (size_t p = 0; p < t.size(); ++p) {
      if (fold_text[p].empty()) continue;
      t.fold[p] = static_cast<std::int32_t>(
          std::find(t.fold_names.begin(), t.fold_names.end(), fold_text[p]) - t.fold_names.begin());
    }
  }
  return rp;
}

}  // namespace

ProteinTable tokenize_proteins(const std::vector<IdString>& proteins, std::int64_t max_length) {
  HITFORGE_REQUIRE(max_length >= 0, "protein max length must be >= 0 (0 = no crop), got ", max_length);
  ProteinTable t;
  t.max_length = max_length;
  t.crop = kCropHead;
  t.vocabulary_json = chem::ProteinTokenizer::vocabulary().to_json().dump();
  t.vocab_size = static_cast<std::int64_t>(chem::ProteinTokenizer::size());
  t.token_offsets.push_back(0);
  chem::ProteinTokenizer tok;
  for (const auto& p : proteins) {
    t.ids.push_back(p.id);
    t.sequences.push_back(p.value);
    t.lengths.push_back(static_cast<std::int64_t>(p.value.size()));
    std::string why = !p.error.empty() ? p.error
                      : p.value.empty() ? std::string("empty sequence")
                                        : chem::ProteinTokenizer::check(p.value);
    t.status.push_back(why.empty() ? 0 : 1);
    if (why.empty()) {
      // The crop rule (pair_table.h): the first max_length residues, as DeepDTA truncates.
      std::string_view kept(p.value);
      if (max_length > 0 && static_cast<std::int64_t>(kept.size()) > max_length) kept = kept.substr(0, max_length);
      for (auto id : tok.encode(kept, /*add_bos_eos=*/false)) t.token_ids.push_back(static_cast<std::int32_t>(id));
    }
    t.reasons.push_back(std::move(why));
    t.token_offsets.push_back(static_cast<std::int64_t>(t.token_ids.size()));
  }
  return t;
}

PairBuildSummary build_pair_dataset(const PairBuildOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  HITFORGE_REQUIRE(!o.output.empty(), "no output path given (--out)");
  HITFORGE_REQUIRE(!o.ligands.empty() && !o.proteins.empty() && !o.affinities.empty(),
                   "a pair dataset needs --ligands, --proteins and --affinities");
  HITFORGE_REQUIRE(o.affinity_transform == "none" || o.affinity_transform == "pkd", "unknown affinity transform '",
                   o.affinity_transform, "' (known: none, pkd)");
  const bool table = has_suffix(o.affinities, {".csv", ".tsv"});
  HITFORGE_REQUIRE(!table || o.folds_dir.empty(), "--folds reads fold files for an affinity MATRIX; '", o.affinities,
                   "' is a table, whose folds come from a fold column (--fold-col)");
  const Transform tf{o.affinity_transform == "pkd"};

  std::vector<IdString> ligands = read_id_string_json(o.ligands);
  std::vector<IdString> proteins = read_protein_file(o.proteins);
  HITFORGE_REQUIRE(!ligands.empty(), "'", o.ligands, "' lists no ligands");
  HITFORGE_REQUIRE(!proteins.empty(), "'", o.proteins, "' lists no proteins");
  std::map<std::string, std::string> provenance;
  RawPairs rp = table ? read_table(o, ligands, proteins, tf) : read_matrix(o.affinities, ligands, proteins, tf, o.label_name);
  if (!o.folds_dir.empty()) read_fold_files(o.folds_dir, o.fold_setting, rp.table, provenance);

  // Ligands: one record each, featurised once.
  std::vector<chem::FeaturizerPtr> owned;
  std::vector<const chem::Featurizer*> fz;
  for (const auto& spec : o.featurizers) {
    owned.push_back(chem::make_featurizer(spec));
    fz.push_back(owned.back().get());
  }
  std::vector<chem::InputRecord> records(ligands.size());
  for (size_t i = 0; i < ligands.size(); ++i) {
    records[i].index = static_cast<std::int64_t>(i);
    records[i].line = 0;  // the JSON object is not line-based
    records[i].id = ligands[i].id;
    records[i].text = ligands[i].value;
    records[i].error = ligands[i].error;
  }
  FeaturizeOptions fo;
  fo.parse = o.parse;
  fo.canonical = o.canonical;
  fo.threads = o.threads > 0 ? o.threads : core::configured_threads();
  RecordChunk chunk;
  featurize_chunk(records, records.size(), fz, fo, chunk);

  ProteinTable prot = tokenize_proteins(proteins, o.protein_max_length);

  // Pair validity: the affinity source's verdict, then the ligand's and the protein's.
  PairTable& pairs = rp.table;
  const size_t m = pairs.size();
  pairs.status.assign(m, 0);
  pairs.reasons.assign(m, "");
  for (size_t p = 0; p < m; ++p) {
    std::string why = std::move(rp.error[p]);
    const auto l = pairs.ligand[p], t = pairs.protein[p];
    if (why.empty() && chunk.status[static_cast<size_t>(l)] != 0)
      why = str_cat("ligand '", ligands[static_cast<size_t>(l)].id, "' is invalid: ", chunk.reasons[static_cast<size_t>(l)]);
    if (why.empty() && prot.status[static_cast<size_t>(t)] != 0)
      why = str_cat("protein '", prot.ids[static_cast<size_t>(t)], "' is invalid: ", prot.reasons[static_cast<size_t>(t)]);
    if (!why.empty()) {
      pairs.status[p] = 1;
      pairs.reasons[p] = std::move(why);
    }
  }

  PairBuildSummary sum;
  sum.ligands = static_cast<std::int64_t>(ligands.size());
  sum.proteins = static_cast<std::int64_t>(proteins.size());
  sum.pairs = static_cast<std::int64_t>(m);
  for (size_t i = 0; i < chunk.size(); ++i) {
    if (chunk.status[i] == 0) ++sum.ligands_ok;
    else if (sum.first_invalid.size() < 20)
      sum.first_invalid.push_back(str_cat("ligand ", i, " (", chunk.ids[i], "): ", chunk.reasons[i]));
  }
  for (size_t i = 0; i < prot.size(); ++i) {
    if (prot.status[i] == 0) ++sum.proteins_ok;
    else if (sum.first_invalid.size() < 20)
      sum.first_invalid.push_back(str_cat("protein ", i, " (", prot.ids[i], "): ", prot.reasons[i]));
    if (o.protein_max_length > 0 && prot.lengths[i] > o.protein_max_length) ++sum.proteins_cropped;
  }
  for (size_t p = 0; p < m; ++p) {
    if (pairs.status[p] != 0) {
      if (sum.first_invalid.size() < 20)
        sum.first_invalid.push_back(str_cat("pair ", p, " (source ", pairs.source_index[p], "): ", pairs.reasons[p]));
      continue;
    }
    ++sum.pairs_ok;
    const bool has_fold = !pairs.fold.empty() && pairs.fold[p] >= 0;
    ++sum.pairs_by_fold[has_fold ? pairs.fold_names[static_cast<size_t>(pairs.fold[p])] : "(none)"];
  }
  HITFORGE_REQUIRE(sum.pairs_ok > 0, "no valid drug–target pair in '", o.affinities, "' (first problem: ",
                   sum.first_invalid.empty() ? "none" : sum.first_invalid.front(), ")");

  // Splits, computed before the file is published so that it appears complete in one rename.
  PairSplitSource src;
  src.pair_status = pairs.status;
  src.pair_ligand = pairs.ligand;
  src.pair_protein = pairs.protein;
  src.labels = pairs.labels;
  src.label_names = pairs.label_names;
  src.fold = pairs.fold;
  src.fold_names = pairs.fold_names;
  src.test_fold = pairs.test_fold;
  src.ligand_status = chunk.status;
  src.ligand_smiles = chunk.smiles;
  src.protein_sequences = prot.sequences;
  if (!pairs.fold.empty() && pairs.test_fold < 0)
    core::log_warn(str_cat("no fold is named '", o.test_fold_name, "' (folds: ", core::join(pairs.fold_names),
                           "), so no '", o.fold_setting, "' split was written; name the test fold with --test-fold"));
  if (!pairs.fold.empty() && pairs.test_fold >= 0) {
    SplitRequest r;
    r.method = "folds";
    r.name = o.fold_setting;
    r.valid_fold = o.valid_fold;
    for (auto& s : compute_pair_splits(src, r)) sum.splits.push_back(std::move(s));
  }
  for (const char* method : {"cold-drug", "cold-target"}) {
    SplitRequest r;
    r.method = method;
    r.sizes = o.cold_sizes;
    r.seed = o.seed;
    for (auto& s : compute_pair_splits(src, r)) sum.splits.push_back(std::move(s));
  }

  DatasetSchema schema;
  schema.featurizers = fz;
  DatasetWriter writer(o.output, schema, o.writer);
  writer.append(chunk);
  writer.write_proteins(prot);
  writer.write_pairs(pairs);
  writer.write_splits(sum.splits);
  writer.set_provenance("kind", "drug_target_pairs");
  writer.set_provenance("source_path", o.affinities);
  writer.set_provenance("source_sha256", core::sha256_file(o.affinities));
  writer.set_provenance("source_format", table ? "pair table" : "affinity matrix (rows: ligands, columns: proteins)");
  writer.set_provenance("ligands_path", o.ligands);
  writer.set_provenance("ligands_sha256", core::sha256_file(o.ligands));
  writer.set_provenance("proteins_path", o.proteins);
  writer.set_provenance("proteins_sha256", core::sha256_file(o.proteins));
  writer.set_provenance("affinity_transform", tf.pkd ? "pkd = -log10(Kd_nM / 1e9)" : "none");
  writer.set_provenance("protein_crop", str_cat(kCropHead, ":", o.protein_max_length));
  writer.set_provenance("smiles", o.canonical ? "canonical" : "input");
  writer.set_provenance("standardize", "none");
  writer.set_provenance("parse_params", str_cat("max_length=", o.parse.max_length, ",max_heavy_atoms=",
                                                o.parse.max_heavy_atoms, ",max_fragments=", o.parse.max_fragments,
                                                ",allow_cxsmiles=", o.parse.allow_cxsmiles ? 1 : 0));
  for (const auto& [k, v] : provenance) writer.set_provenance(k, v);
  for (const auto& [k, v] : o.provenance) writer.set_provenance(k, v);
  writer.finish();
  sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return sum;
}

}  // namespace hitforge::data
