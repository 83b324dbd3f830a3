// hitforge dataset build | split | info
#include <cmath>
#include <iomanip>
#include <iostream>
#include <algorithm>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "chem/featurizers/featurizer.h"
#include "cli/common.h"
#include "core/error.h"
#include "core/text.h"
#include "core/log.h"
#include "core/progress.h"
#include "datasets/builder.h"
#include "datasets/dataset.h"
#include "datasets/pair_builder.h"
#include "datasets/protein_builder.h"
#include "datasets/registry.h"
#include "datasets/split_dataset.h"

namespace hitforge::cli {
using core::str_cat;

namespace {


struct BuildArgs {
  std::string input, registry, data_dir, smiles_col, id_col, targets, task, format, standardize = "none", out;
  std::vector<std::string> featurizers;
  int max_heavy_atoms = 500, max_fragments = 100, compression = 1;
  std::size_t max_length = 5000, chunk = 2048;
  bool no_cxsmiles = false, offline = false, no_canonical = false;
  // drug–target pairs (--pairs)
  bool pairs = false;
  std::string ligands, proteins, affinities, folds, fold_setting = "setting1", valid_fold = "0",
      affinity_transform = "none", label_name = "affinity", pair_cols = "drug_id,protein_id", fold_col,
      test_fold = "test", cold_sizes = "0.8,0.1,0.1";
  std::int64_t protein_max_length = data::kDefaultProteinMaxLength;
  // protein sequences for language models (--sequences)
  std::vector<std::string> sequences;
  double valid_fraction = 0.05, test_fraction = 0.05;
};

// `dataset build --sequences A.fasta [B.fasta ...]`: a protein sequence dataset (docs/protein.md).
void run_build_sequences(const BuildArgs& a, const GlobalOptions& g) {
  data::ProteinBuildOptions o;
  o.inputs = a.sequences;
  o.output = a.out;
  o.valid_fraction = a.valid_fraction;
  o.test_fraction = a.test_fraction;
  o.seed = g.seed;
  o.writer.compression = a.compression;
  o.provenance["command"] = g.command_line;
  auto s = data::build_protein_dataset(o);
  std::cout << "wrote " << a.out << ": " << s.proteins << " proteins (" << s.proteins_ok << " ok, "
            << s.unique_sequences << " distinct sequences, " << core::format_count(s.residues) << " residues) in "
            << std::fixed << std::setprecision(2) << s.seconds << " s\n";
  std::cout << "  split '" << s.split.name << "' (identical sequences kept together): train " << s.split.split.train.size()
            << ", valid " << s.split.split.valid.size() << ", test " << s.split.split.test.size() << "\n";
  for (size_t k = 0; k < s.first_invalid.size() && k < 10; ++k) std::cout << "  " << s.first_invalid[k] << "\n";
}

void print_pair_summary(const std::string& out, const data::PairBuildSummary& s) {
  std::cout << "wrote " << out << ": " << core::format_count(s.pairs) << " pairs (" << core::format_count(s.pairs_ok)
            << " ok), " << s.ligands << " ligands (" << s.ligands_ok << " ok), " << s.proteins << " proteins ("
            << s.proteins_ok << " ok, " << s.proteins_cropped << " cropped) in " << std::fixed << std::setprecision(2)
            << s.seconds << " s\n";
  if (!s.pairs_by_fold.empty()) {
    std::cout << "  valid pairs by fold:";
    for (const auto& [fold, n] : s.pairs_by_fold) std::cout << " " << fold << "=" << n;
    std::cout << "\n";
  }
  for (const auto& sp : s.splits)
    std::cout << "  split '" << sp.name << "' (" << sp.method << ", " << sp.sizes << "): train " << sp.split.train.size()
              << ", valid " << sp.split.valid.size() << ", test " << sp.split.test.size() << "\n";
  for (size_t k = 0; k < s.first_invalid.size() && k < 10; ++k) std::cout << "  " << s.first_invalid[k] << "\n";
  if (s.first_invalid.size() > 10) std::cout << "  (all reasons: hitforge dataset info " << out << " --invalid)\n";
}

// `dataset build --pairs` (files) or `--registry davis|kiba` (the registry's long-format pair table).
void run_build_pairs(const BuildArgs& a, const GlobalOptions& g, const data::DatasetInfo* info) {
  data::PairBuildOptions o;
  if (info) {
    HITFORGE_REQUIRE(a.ligands.empty() && a.proteins.empty() && a.affinities.empty() && a.folds.empty(),
                     "--registry ", info->name, " brings its own ligand, protein and affinity files; drop --ligands, "
                     "--proteins, --affinities and --folds");
    HITFORGE_REQUIRE(info->pair_columns.size() == 2, "registry dataset '", info->name, "' names no pair columns");
    const std::string dir = data::resolve_data_dir(a.data_dir);
    auto file = [&](const char* role) {
      return data::resolve_file(info->file(role), dir, /*verify_checksum=*/true, /*allow_download=*/!a.offline);
    };
    o.affinities = data::resolve_dataset_file(*info, dir, true, !a.offline);
    o.ligands = file("ligands");
    o.proteins = file("proteins");
    o.drug_column = info->pair_columns[0];
    o.protein_column = info->pair_columns[1];
    o.label_columns = info->target_columns;
    o.fold_column = info->split_column;
    o.provenance["registry"] = info->name;
  } else {
    o.ligands = a.ligands;
    o.proteins = a.proteins;
    o.affinities = a.affinities;
    o.folds_dir = a.folds;
    auto cols = core::split_list(a.pair_cols);
    HITFORGE_REQUIRE(cols.size() == 2, "--pair-cols takes two columns, DRUG,PROTEIN (got '", a.pair_cols, "')");
    o.drug_column = cols[0];
    o.protein_column = cols[1];
    if (!a.targets.empty()) o.label_columns = core::split_list(a.targets);
    o.fold_column = a.fold_col;
  }
  o.output = a.out;
  o.label_name = a.label_name;
  o.affinity_transform = a.affinity_transform;
  o.test_fold_name = a.test_fold;
  o.fold_setting = a.fold_setting;
  o.valid_fold = a.valid_fold;
  o.cold_sizes = a.cold_sizes;
  o.seed = g.seed;
  o.protein_max_length = a.protein_max_length;
  if (!a.featurizers.empty()) o.featurizers = a.featurizers;
  o.parse.max_heavy_atoms = a.max_heavy_atoms;
  o.parse.max_fragments = a.max_fragments;
  o.parse.max_length = a.max_length;
  o.parse.allow_cxsmiles = !a.no_cxsmiles;
  o.canonical = !a.no_canonical;
  o.threads = g.threads;
  o.writer.compression = a.compression;
  o.provenance["command"] = g.command_line;
  print_pair_summary(a.out, data::build_pair_dataset(o));
}

void run_build(const BuildArgs& a, const GlobalOptions& g) {
  apply_global_options(g);
  const data::DatasetInfo* registry_info = a.registry.empty() ? nullptr : &data::find_dataset(a.registry);
  if (!a.sequences.empty()) {
    HITFORGE_REQUIRE(a.input.empty() && !registry_info && !a.pairs, "--sequences builds a protein sequence dataset ",
                     "on its own: drop the INPUT file, --registry and --pairs");
    return run_build_sequences(a, g);
  }
  if (a.pairs || (registry_info && !registry_info->pair_columns.empty())) {
    HITFORGE_REQUIRE(a.input.empty(), "a pair dataset reads --ligands, --proteins and --affinities (or --registry), "
                     "not an INPUT file");
    return run_build_pairs(a, g, registry_info);
  }
  HITFORGE_REQUIRE(a.ligands.empty() && a.proteins.empty() && a.affinities.empty() && a.folds.empty(),
                   "--ligands, --proteins, --affinities and --folds build a drug–target pair dataset: add --pairs");
  data::BuildOptions opt;
  std::string registry_split_method, registry_split_sizes;
  if (registry_info) {
    HITFORGE_REQUIRE(a.input.empty(), "give either an INPUT file or --registry, not both");
    const data::DatasetInfo& info = *registry_info;
    std::string dir = data::resolve_data_dir(a.data_dir);
    opt.input = data::resolve_dataset_file(info, dir, /*verify_checksum=*/true, /*allow_download=*/!a.offline);
    opt.reader.smiles_col = info.smiles_column;
    opt.reader.id_col = info.id_column;
    opt.reader.value_cols = info.target_columns;
    HITFORGE_REQUIRE(!info.smiles_column.empty() && info.pair_columns.empty(), "registry dataset '", info.name,
                     "' is not a single-molecule table; 'dataset build --registry' handles molecule datasets");
    if (info.task != data::TaskType::generation) opt.task_types = {data::task_type_name(info.task)};
    registry_split_method = info.standard_split;
    if (info.split_sizes) registry_split_sizes = info.split_sizes->to_string();
  } else {
    HITFORGE_REQUIRE(!a.input.empty(), "no input file given (INPUT or --registry NAME)");
    opt.input = a.input;
  }
  if (!a.smiles_col.empty()) opt.reader.smiles_col = a.smiles_col;
  if (!a.id_col.empty()) opt.reader.id_col = a.id_col;
  if (!a.targets.empty()) opt.reader.value_cols = core::split_list(a.targets);
  if (!a.task.empty()) opt.task_types = core::split_list(a.task);
  opt.reader.format = a.format;
  opt.output = a.out;
  if (!a.featurizers.empty()) opt.featurizers = a.featurizers;
  opt.parse.max_heavy_atoms = a.max_heavy_atoms;
  opt.parse.max_fragments = a.max_fragments;
  opt.parse.max_length = a.max_length;
  opt.parse.allow_cxsmiles = !a.no_cxsmiles;
  opt.canonical = !a.no_canonical;
  opt.standardize = a.standardize != "none";
  if (opt.standardize) opt.standardize_params = chem::parse_standardize_params(a.standardize);
  opt.threads = g.threads;
  opt.chunk_records = a.chunk;
  opt.writer.compression = a.compression;
  opt.progress = g.progress;
  opt.provenance["command"] = g.command_line;
  if (!a.registry.empty()) opt.provenance["registry"] = a.registry;

  data::BuildSummary s = data::build_dataset(opt);
  std::cout << "wrote " << a.out << ": " << core::format_count(s.records) << " records, "
            << core::format_count(s.ok) << " ok, " << core::format_count(s.invalid) << " invalid in " << std::fixed
            << std::setprecision(2) << s.seconds << " s (" << core::format_rate(s.records / std::max(s.seconds, 1e-9))
            << " mol/s)\n";
  for (const auto& [kind, n] : s.invalid_by_kind) std::cout << "  invalid: " << n << " × " << kind << "\n";
  for (size_t k = 0; k < s.first_invalid.size() && k < 10; ++k)
    std::cout << "  record " << s.first_invalid[k].first << ": " << s.first_invalid[k].second << "\n";
  if (s.invalid > 10) std::cout << "  (all reasons: hitforge dataset info " << a.out << " --invalid)\n";

  if (!registry_split_method.empty()) {
    data::Dataset ds(a.out);
    data::SplitRequest req;
    req.method = registry_split_method;
    req.sizes = registry_split_sizes.empty() ? "0.8,0.1,0.1" : registry_split_sizes;
    req.seed = g.seed;
    req.name = "standard";
    data::write_splits(a.out, data::compute_splits(ds, req));
    std::cout << "  split 'standard': " << req.method << " " << req.sizes << " seed " << g.seed << "\n";
  }
}

struct SplitArgs {
  std::string path;
  data::SplitRequest req;
};

void run_split(SplitArgs a, const GlobalOptions& g) {
  apply_global_options(g);
  a.req.seed = g.seed;
  data::Dataset ds(a.path);
  auto splits = data::compute_splits(ds, a.req);
  data::write_splits(a.path, splits);
  for (const auto& s : splits)
    std::cout << "split '" << s.name << "' (" << s.method << ", seed " << s.seed << "): train "
              << s.split.train.size() << ", valid " << s.split.valid.size() << ", test " << s.split.test.size()
              << (s.split.dropped.empty() ? "" : str_cat(", dropped ", s.split.dropped.size())) << "\n";
}

struct InfoArgs {
  std::string path;
  bool json = false, invalid = false;
};

nlohmann::json describe(const data::Dataset& ds, bool all_invalid) {
  nlohmann::json j;
  j["path"] = ds.path();
  j["format_version"] = ds.attribute("format_version");
  j["hitforge_version"] = ds.attribute("hitforge_version");
  j["created_utc"] = ds.attribute("created_utc");
  j["records"] = ds.size();
  auto status = ds.status();
  auto reasons = ds.reasons();
  auto ids = ds.ids();
  std::int64_t ok = 0;
  std::map<std::string, std::int64_t> kinds;
  nlohmann::json inv = nlohmann::json::array();
  for (size_t i = 0; i < status.size(); ++i) {
    if (status[i] == 0) {
      ++ok;
      continue;
    }
    ++kinds[data::reason_kind(reasons[i])];
    if (all_invalid || inv.size() < 10) inv.push_back({{"index", i}, {"id", ids[i]}, {"reason", reasons[i]}});
  }
  j["ok"] = ok;
  j["invalid"] = static_cast<std::int64_t>(status.size()) - ok;
  j["invalid_by_kind"] = kinds;
  j["invalid_records"] = inv;
  nlohmann::json targets = nlohmann::json::array();
  if (!ds.target_names().empty()) {
    auto t = ds.all_targets();
    size_t nt = ds.target_names().size();
    for (size_t k = 0; k < nt; ++k) {
      double sum = 0, sq = 0, lo = INFINITY, hi = -INFINITY;
      std::int64_t n = 0;
      for (size_t i = 0; i < status.size(); ++i) {
        float v = t[i * nt + k];
        if (status[i] != 0 || std::isnan(v)) continue;
        sum += v, sq += double(v) * v, ++n, lo = std::min<double>(lo, v), hi = std::max<double>(hi, v);
      }
      double mean = n ? sum / n : NAN;
      nlohmann::json tj = {{"name", ds.target_names()[k]},
                           {"task", k < ds.task_types().size() ? ds.task_types()[k] : ""},
                           {"count", n},
                           {"mean", n ? mean : 0.0},
                           {"std", n ? std::sqrt(std::max(0.0, sq / n - mean * mean)) : 0.0},
                           {"min", n ? lo : 0.0},
                           {"max", n ? hi : 0.0}};
      targets.push_back(tj);
    }
  }
  j["targets"] = targets;
  nlohmann::json blocks = nlohmann::json::array();
  for (const auto& b : ds.blocks())
    blocks.push_back({{"name", b.name}, {"kind", chem::to_string(b.kind)}, {"width", b.width}, {"spec", b.spec}});
  j["features"] = blocks;
  nlohmann::json splits = nlohmann::json::array();
  for (const auto& name : ds.split_names()) {
    auto s = ds.split(name);
    splits.push_back({{"name", name},
                      {"method", s.method},
                      {"seed", s.seed},
                      {"sizes", s.sizes},
                      {"train", s.split.train.size()},
                      {"valid", s.split.valid.size()},
                      {"test", s.split.test.size()}});
  }
  j["splits"] = splits;
  if (ds.has_pairs()) {
    auto st = ds.pair_status();
    auto folds = ds.pair_folds();
    auto fold_names = ds.pair_fold_names();
    auto pair_reasons = ds.pair_reasons();
    std::int64_t pairs_ok = 0;
    std::map<std::string, std::int64_t> by_fold, pair_kinds;
    nlohmann::json pair_invalid = nlohmann::json::array();
    for (size_t p = 0; p < st.size(); ++p) {
      if (st[p] != 0) {
        ++pair_kinds[data::reason_kind(pair_reasons[p])];
        if (all_invalid || pair_invalid.size() < 10) pair_invalid.push_back({{"index", p}, {"reason", pair_reasons[p]}});
        continue;
      }
      ++pairs_ok;
      if (!folds.empty()) ++by_fold[folds[p] >= 0 ? fold_names[static_cast<size_t>(folds[p])] : "(none)"];
    }
    j["pairs"] = {{"count", st.size()},           {"ok", pairs_ok},
                  {"labels", ds.pair_label_names()}, {"valid_by_fold", by_fold},
                  {"invalid_by_kind", pair_kinds},   {"invalid_pairs", pair_invalid}};
  }
  if (ds.n_proteins() > 0) {
    // Pair datasets and protein sequence datasets (dataset build --sequences) both keep a /proteins table.
    auto pst = ds.protein_status();
    auto seqs = ds.protein_sequences();
    auto preasons = ds.protein_reasons();
    auto pids = ds.protein_ids();
    std::int64_t prot_ok = 0;
    std::vector<std::int64_t> lengths;
    nlohmann::json prot_invalid = nlohmann::json::array();
    for (size_t p = 0; p < pst.size(); ++p) {
      if (pst[p] != 0) {
        if (all_invalid || prot_invalid.size() < 10)
          prot_invalid.push_back({{"index", p}, {"id", pids[p]}, {"reason", preasons[p]}});
        continue;
      }
      ++prot_ok;
      lengths.push_back(static_cast<std::int64_t>(seqs[p].size()));
    }
    std::sort(lengths.begin(), lengths.end());
    std::int64_t residues = 0;
    for (auto n : lengths) residues += n;
    j["proteins"] = {{"count", pst.size()}, {"ok", prot_ok}, {"distinct_sequences", data::count_distinct_sequences(seqs, pst)},
                     {"residues", residues}, {"invalid_proteins", prot_invalid}};
    if (!lengths.empty())
      j["proteins"]["length"] = {{"min", lengths.front()}, {"median", lengths[lengths.size() / 2]}, {"max", lengths.back()}};
    if (ds.has_pairs() && ds.has_protein_tokens()) {
      j["proteins"]["crop"] = ds.protein_crop();
      j["proteins"]["max_length"] = ds.protein_max_length();
    }
  }
  return j;
}

void run_info(const InfoArgs& a, const GlobalOptions& g) {
  core::set_log_level(core::parse_log_level(g.log_level));
  data::Dataset ds(a.path);
  nlohmann::json j = describe(ds, a.invalid);
  if (a.json) {
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::cout << a.path << "  (hitforge dataset v" << j["format_version"].get<std::string>() << ", written by hitforge "
            << j["hitforge_version"].get<std::string>() << " at " << j["created_utc"].get<std::string>() << ")\n";
  if (ds.size() == 0 && ds.n_proteins() > 0 && !ds.has_pairs())
    std::cout << "protein sequence dataset (no compound records; docs/protein.md)\n";
  else
    std::cout << "records: " << core::format_count(ds.size()) << "  ok: " << core::format_count(j["ok"].get<std::int64_t>())
              << "  invalid: " << core::format_count(j["invalid"].get<std::int64_t>()) << "\n";
  for (auto& [kind, n] : j["invalid_by_kind"].items()) std::cout << "  " << n << " × " << kind << "\n";
  for (auto& r : j["invalid_records"])
    std::cout << "  record " << r["index"] << (r["id"].get<std::string>().empty() ? "" : " (" + r["id"].get<std::string>() + ")")
              << ": " << r["reason"].get<std::string>() << "\n";
  if (!j["targets"].empty()) {
    std::cout << "targets:\n";
    for (auto& t : j["targets"])
      std::cout << "  " << t["name"].get<std::string>() << " [" << t["task"].get<std::string>() << "] n=" << t["count"]
                << std::setprecision(4) << " mean=" << t["mean"].get<double>() << " std=" << t["std"].get<double>()
                << " range=[" << t["min"].get<double>() << ", " << t["max"].get<double>() << "]\n";
  }
  if (!j["features"].empty()) std::cout << "features:\n";
  for (auto& b : j["features"])
    std::cout << "  " << b["name"].get<std::string>() << ": " << b["kind"].get<std::string>() << " width "
              << b["width"] << "  (" << b["spec"].get<std::string>() << ")\n";
  if (j.contains("pairs")) {
    const auto& p = j["pairs"];
    std::cout << "pairs: " << core::format_count(p["count"].get<std::int64_t>())
              << "  ok: " << core::format_count(p["ok"].get<std::int64_t>()) << "  labels:";
    for (auto& n : p["labels"]) std::cout << " " << n.get<std::string>();
    std::cout << "\n";
    for (auto& [kind, n] : p["invalid_by_kind"].items()) std::cout << "  " << n << " × " << kind << "\n";
    for (auto& r : p["invalid_pairs"]) std::cout << "  pair " << r["index"] << ": " << r["reason"].get<std::string>() << "\n";
    if (!p["valid_by_fold"].empty()) {
      std::cout << "  valid pairs by fold:";
      for (auto& [fold, n] : p["valid_by_fold"].items()) std::cout << " " << fold << "=" << n;
      std::cout << "\n";
    }
  }
  if (j.contains("proteins")) {
    const auto& pr = j["proteins"];
    std::cout << "proteins: " << core::format_count(pr["count"].get<std::int64_t>())
              << "  ok: " << core::format_count(pr["ok"].get<std::int64_t>())
              << "  distinct sequences: " << core::format_count(pr["distinct_sequences"].get<std::int64_t>())
              << "  residues: " << core::format_count(pr["residues"].get<std::int64_t>());
    if (pr.contains("crop")) std::cout << "  crop: " << pr["crop"].get<std::string>() << " " << pr["max_length"];
    std::cout << "\n";
    if (pr.contains("length"))
      std::cout << "  length min " << pr["length"]["min"] << ", median " << pr["length"]["median"] << ", max "
                << pr["length"]["max"] << " residues\n";
    for (auto& r : pr["invalid_proteins"])
      std::cout << "  protein " << r["index"] << (r["id"].get<std::string>().empty() ? "" : " (" + r["id"].get<std::string>() + ")")
                << ": " << r["reason"].get<std::string>() << "\n";
  }
  std::cout << "splits:" << (j["splits"].empty() ? " none (hitforge dataset split " + a.path + " --method ...)" : "") << "\n";
  for (auto& s : j["splits"])
    std::cout << "  " << s["name"].get<std::string>() << ": " << s["method"].get<std::string>() << " seed "
              << s["seed"] << " — train " << s["train"] << ", valid " << s["valid"] << ", test " << s["test"] << "\n";
}

}  // namespace

void register_dataset_commands(CLI::App& app, GlobalOptions& g) {
  CLI::App* ds = app.add_subcommand("dataset", "Build, split and inspect HDF5 datasets");
  ds->require_subcommand(1);

  static BuildArgs b;
  CLI::App* build = ds->add_subcommand("build", "Featurise a compound file (or a registry dataset) into HDF5");
  build->add_option("input", b.input, "Compound file: .smi/.ism/.csv/.tsv/.sdf, optionally .gz");
  build->add_option("--registry", b.registry, "Build a public dataset from the registry (e.g. esol, bbbp)");
  build->add_option("--data-dir", b.data_dir, "Where registry data lives (default: $HITFORGE_DATA_DIR or ../shared/data)");
  build->add_flag("--offline", b.offline, "Never download registry data");
  build->add_option("--smiles-col", b.smiles_col, "CSV/TSV column with SMILES (default: auto-detect 'smiles')");
  build->add_option("--id-col", b.id_col, "Column (or SDF property) with record ids");
  build->add_option("--targets", b.targets, "Comma-separated target columns (or SDF properties)");
  build->add_option("--task", b.task, "regression|classification (one for all targets, or one per target)");
  build->add_option("--format", b.format, "Input format if the extension does not say: smi, csv, tsv, sdf");
  build->add_option("--featurizer", b.featurizers,
                    "Featuriser spec, repeatable (default morgan:radius=2,bits=2048); see 'hitforge dataset featurizers'");
  build->add_option("--standardize", b.standardize,
                    "none (default), default, or stages: cleanup,largest_fragment,uncharge,tautomer");
  build->add_option("--max-heavy-atoms", b.max_heavy_atoms, "Reject molecules with more heavy atoms")->check(CLI::PositiveNumber);
  build->add_option("--max-fragments", b.max_fragments, "Reject molecules with more fragments")->check(CLI::PositiveNumber);
  build->add_option("--max-length", b.max_length, "Reject SMILES longer than this")->check(CLI::PositiveNumber);
  build->add_flag("--no-cxsmiles", b.no_cxsmiles, "Treat CXSMILES extensions as errors");
  build->add_flag("--no-canonical", b.no_canonical,
                  "Store the input SMILES instead of canonical SMILES (~25% faster; SDF input is still canonicalised)");
  build->add_option("--compression", b.compression, "HDF5 deflate level 0-9")->check(CLI::Range(0, 9));
  build->add_option("--chunk", b.chunk, "Records per processing chunk")->check(CLI::PositiveNumber);
  build->add_option("--out", b.out, "Output .h5 file (written atomically)")->required();
  build->add_flag("--pairs", b.pairs, "Build a drug–target pair dataset (docs/dta.md) from --ligands/--proteins/--affinities");
  build->add_option("--ligands", b.ligands, "pairs: JSON object drug id -> SMILES, in file order (DeepDTA ligands_can.txt)");
  build->add_option("--proteins", b.proteins,
                    "pairs: JSON object protein id -> sequence (DeepDTA proteins.txt), or FASTA (.fasta/.fa[.gz])");
  build->add_option("--affinities", b.affinities,
                    "pairs: affinity matrix (rows ligands, columns proteins, 'nan' = missing), or a .csv/.tsv table");
  build->add_option("--folds", b.folds, "pairs (matrix): directory with train_fold_SETTING.txt and test_fold_SETTING.txt");
  build->add_option("--fold-setting", b.fold_setting, "pairs: fold file suffix and name of the fold split (default setting1)");
  build->add_option("--valid-fold", b.valid_fold,
                    "pairs: training fold held out for validation in the fold split (default 0; never the test fold)");
  build->add_option("--affinity-transform", b.affinity_transform, "pairs: none (default) or pkd (Kd nM -> -log10(Kd/1e9))");
  build->add_option("--label-name", b.label_name, "pairs (matrix): name of the affinity label (e.g. pKd)");
  build->add_option("--pair-cols", b.pair_cols, "pairs (table): DRUG,PROTEIN id columns (default drug_id,protein_id)");
  build->add_option("--fold-col", b.fold_col, "pairs (table): column with each pair's fold");
  build->add_option("--test-fold", b.test_fold, "pairs (table): the fold value marking the test set (default test)");
  build->add_option("--cold-sizes", b.cold_sizes, "pairs: train,valid,test fractions of the cold-drug/cold-target splits");
  build->add_option("--protein-max-length", b.protein_max_length,
                    "pairs: keep the first N residues of longer proteins (default 1000, as DeepDTA; 0 = no crop)")
      ->check(CLI::NonNegativeNumber);
  build->add_option("--sequences", b.sequences,
                    "Protein sequence dataset for protein_lm (docs/protein.md): FASTA (.fasta/.fa/.faa[.gz]) or JSON id -> "
                    "sequence files, repeatable; writes split 'by_sequence'");
  build->add_option("--valid-fraction", b.valid_fraction, "sequences: validation share of split 'by_sequence' (default 0.05)")
      ->check(CLI::Range(0.0, 0.5));
  build->add_option("--test-fraction", b.test_fraction, "sequences: test share of split 'by_sequence' (default 0.05)")
      ->check(CLI::Range(0.0, 0.5));
  build->footer(
      "Examples:\n"
      "  hitforge dataset build /usr/share/RDKit/Data/NCI/first_5K.smi --out nci.h5 --threads 2\n"
      "  hitforge dataset build data.csv --smiles-col smiles --targets logS --featurizer morgan --featurizer rdkit2d "
      "--out sol.h5\n"
      "  hitforge dataset build --registry esol --out esol.h5   # adds split 'standard'\n"
      "  hitforge dataset build --pairs --ligands ligands_can.txt --proteins proteins.txt --affinities Y \\\n"
      "      --folds folds/ --affinity-transform pkd --label-name pKd --out davis.h5\n"
      "  hitforge dataset build --registry davis --out davis.h5   # splits setting1, cold-drug, cold-target\n"
      "  hitforge dataset build --sequences ss.fasta.gz --sequences cons.fasta.gz --out proteins.h5   # protein_lm");
  build->callback([&g] { run_build(b, g); });

  static SplitArgs s;
  CLI::App* split = ds->add_subcommand("split", "Add a named train/valid/test split to a dataset");
  split->add_option("dataset", s.path, "Dataset .h5")->required()->check(CLI::ExistingFile);
  split->add_option("--method", s.req.method,
                    "random|scaffold|stratified|kfold|cold-drug|cold-target|cold-both|folds (pair datasets: over pairs)");
  split->add_option("--sizes", s.req.sizes, "train,valid,test fractions");
  split->add_option("--name", s.req.name, "Split name (default: the method)");
  split->add_option("--folds", s.req.folds, "kfold: number of folds");
  split->add_option("--target", s.req.target, "stratified: target to stratify on (default: first)");
  split->add_flag("--generic-scaffolds", s.req.generic_scaffolds, "scaffold: use generic frameworks");
  split->add_option("--valid-fold", s.req.valid_fold, "folds: training fold held out for validation (default 0; none)");
  split->footer("Example:\n  hitforge dataset split ds.h5 --method scaffold --sizes 0.8,0.1,0.1 --seed 0 --name scaffold");
  split->callback([&g] { run_split(s, g); });

  static InfoArgs i;
  CLI::App* info = ds->add_subcommand("info", "Counts, invalid records with reasons, targets, feature blocks, splits");
  info->add_option("dataset", i.path, "Dataset .h5")->required()->check(CLI::ExistingFile);
  info->add_flag("--json", i.json, "Machine-readable output");
  info->add_flag("--invalid", i.invalid, "List every invalid record (default: the first 10)");
  info->footer("Example:\n  hitforge dataset info ds.h5 --json");
  info->callback([&g] { run_info(i, g); });

  CLI::App* feats = ds->add_subcommand("featurizers", "List the featurisers and their spec syntax");
  feats->callback([] {
    for (const auto& [name, desc] : chem::featurizer_catalog()) std::cout << "  " << std::left << std::setw(16) << name << desc << "\n";
  });
}

}  // namespace hitforge::cli
