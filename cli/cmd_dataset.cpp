// hitforge dataset build | split | info
#include <cmath>
#include <iomanip>
#include <iostream>
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
};

void run_build(const BuildArgs& a, const GlobalOptions& g) {
  apply_global_options(g);
  data::BuildOptions opt;
  std::string registry_split_method, registry_split_sizes;
  if (!a.registry.empty()) {
    HITFORGE_REQUIRE(a.input.empty(), "give either an INPUT file or --registry, not both");
    const data::DatasetInfo& info = data::find_dataset(a.registry);
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
  std::cout << "features:\n";
  for (auto& b : j["features"])
    std::cout << "  " << b["name"].get<std::string>() << ": " << b["kind"].get<std::string>() << " width "
              << b["width"] << "  (" << b["spec"].get<std::string>() << ")\n";
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
  build->footer(
      "Examples:\n"
      "  hitforge dataset build /usr/share/RDKit/Data/NCI/first_5K.smi --out nci.h5 --threads 2\n"
      "  hitforge dataset build data.csv --smiles-col smiles --targets logS --featurizer morgan --featurizer rdkit2d "
      "--out sol.h5\n"
      "  hitforge dataset build --registry esol --out esol.h5   # adds split 'standard'");
  build->callback([&g] { run_build(b, g); });

  static SplitArgs s;
  CLI::App* split = ds->add_subcommand("split", "Add a named train/valid/test split to a dataset");
  split->add_option("dataset", s.path, "Dataset .h5")->required()->check(CLI::ExistingFile);
  split->add_option("--method", s.req.method, "random|scaffold|stratified|kfold|cold-drug|cold-target|cold-both");
  split->add_option("--sizes", s.req.sizes, "train,valid,test fractions");
  split->add_option("--name", s.req.name, "Split name (default: the method)");
  split->add_option("--folds", s.req.folds, "kfold: number of folds");
  split->add_option("--target", s.req.target, "stratified: target to stratify on (default: first)");
  split->add_flag("--generic-scaffolds", s.req.generic_scaffolds, "scaffold: use generic frameworks");
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
