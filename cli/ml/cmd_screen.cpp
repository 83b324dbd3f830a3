// hitforge screen — stream a compound library through a JSON scoring recipe (chemistry scorers, filters, trained
// models), keep the top-k, shard across machines, resume after a crash; `screen merge` combines shard outputs.
#include <iostream>

#include "cli/common.h"
#include "core/error.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/threads.h"
#include "core/torch_runtime.h"
#include "screen/screen_runner.h"
#include "screen/scoring_function.h"

namespace hitforge::cli {
using core::str_cat;

namespace {

struct ScreenArgs {
  std::string library, recipe, out, all_scores, smiles_col, id_col, format, shard = "0/1";
  std::int64_t top_k = 0;
  std::size_t chunk = 4096;
  bool resume = false, no_plots = false;
};

struct MergeArgs {
  std::vector<std::string> inputs;
  std::string out;
  std::int64_t top_k = 0;
};

void run_screen_command(const ScreenArgs& a, const GlobalOptions& g) {
  HITFORGE_REQUIRE(!a.library.empty() && !a.recipe.empty() && !a.out.empty(),
                   "screen needs --library, --recipe and --out (or the 'merge' subcommand)");
  core::set_log_level(core::parse_log_level(g.log_level));
  core::RuntimeOptions rt;
  rt.threads = g.threads;
  rt.device = g.device;
  core::init_runtime(rt);
  auto sf = screen::ScoringFunction::from_file(a.recipe, g.device);
  screen::ScreenOptions o;
  o.library = a.library;
  o.reader.smiles_col = a.smiles_col;
  o.reader.id_col = a.id_col;
  o.reader.format = a.format;
  o.out = a.out;
  o.all_scores = a.all_scores;
  o.top_k = a.top_k;
  std::tie(o.shard, o.n_shards) = screen::parse_shard(a.shard);
  o.resume = a.resume;
  o.chunk = a.chunk;
  o.threads = core::configured_threads();
  o.progress = g.progress;
  o.plots = !a.no_plots;
  auto s = screen::run_screen(sf, o);
  std::cout << "screened " << s.records << " records in " << core::format_duration(s.seconds) << " ("
            << static_cast<long long>(s.seconds > 0 ? s.records / s.seconds : 0) << " mol/s): " << s.ok << " ok, "
            << s.filtered << " filtered, " << s.invalid << " invalid\n";
  for (const auto& [label, n] : s.by_filter) std::cout << "  filter " << label << ": " << n << "\n";
  std::cout << "wrote " << a.out << (a.top_k > 0 ? str_cat(" (top ", a.top_k, ")") : std::string())
            << (a.all_scores.empty() ? "" : ", " + a.all_scores) << ", " << a.out << ".summary.json\n";
}

}  // namespace

void register_screen_command(CLI::App& app, GlobalOptions& g) {
  static ScreenArgs s;
  static MergeArgs m;
  CLI::App* sc = app.add_subcommand("screen", "Score a compound library with a recipe; top-k, shards, resume");
  sc->require_subcommand(0, 1);
  sc->add_option("--library", s.library, ".smi/.csv/.tsv/.sdf, optionally .gz (any size: streamed)");
  sc->add_option("--recipe", s.recipe, "Scoring recipe JSON (docs/screening.md, examples in docs/recipes/)");
  sc->add_option("--out", s.out,
                 "Top-k table with --top-k, else every record in input order (.h5/.hdf5: HDF5, else CSV)");
  sc->add_option("--all-scores", s.all_scores, "With --top-k: also write every record here (.h5/.hdf5: HDF5)");
  sc->add_option("--top-k", s.top_k, "Keep the K best-scoring molecules")->check(CLI::NonNegativeNumber);
  sc->add_option("--shard", s.shard, "i/N: this process screens records with index % N == i");
  sc->add_flag("--resume", s.resume, "Continue an interrupted screen of the same library, recipe and shard");
  sc->add_option("--chunk", s.chunk, "Records per batch and checkpoint")->check(CLI::PositiveNumber);
  sc->add_option("--smiles-col", s.smiles_col, "CSV/TSV SMILES column (default: auto-detect)");
  sc->add_option("--id-col", s.id_col, "Column (or SDF property) with ids");
  sc->add_option("--format", s.format, "smi, csv, tsv or sdf if the extension does not say");
  sc->add_flag("--no-plots", s.no_plots, "Skip the histogram SVGs");
  sc->footer(
      "Examples:\n"
      "  hitforge screen --library lib.smi.gz --recipe docs/recipes/drug_likeness.json --top-k 1000 --out hits.csv\n"
      "  hitforge screen --library lib.smi.gz --recipe r.json --top-k 1000 --shard 3/8 --out shard3.csv\n"
      "  hitforge screen merge shard*.csv --top-k 1000 --out hits.csv\n"
      "  hitforge screen --library lib.smi.gz --recipe r.json --top-k 1000 --all-scores all.h5 --out hits.h5\n"
      "Outputs ending in .h5/.hdf5 are HDF5 tables (one dataset per column; docs/screening.md), others CSV.");
  CLI::App* mc = sc->add_subcommand("merge", "Combine shard top-k files (CSV or .h5) into the overall top-k");
  mc->add_option("inputs", m.inputs, "Top-k files of the shards (CSV or .h5, may be mixed)")
      ->required()
      ->check(CLI::ExistingFile);
  mc->add_option("--out", m.out, "Merged top-k table (.h5/.hdf5: HDF5, else CSV)")->required();
  mc->add_option("--top-k", m.top_k, "K")->required()->check(CLI::PositiveNumber);
  mc->callback([] {
    screen::merge_top_k(m.inputs, m.out, m.top_k);
    std::cout << "wrote " << m.out << "\n";
  });
  sc->callback([sc, mc, &g] {
    if (sc->got_subcommand(mc)) return;
    run_screen_command(s, g);
  });
}

}  // namespace hitforge::cli
