// hitforge score: per-molecule scores (rule sets, alerts, SMARTS lists, similarity, QED/SA) for a compound file,
// written as one CSV row per input record, in input order.
#include <charconv>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <set>
#include <sstream>

#include <GraphMol/RWMol.h>
#include <nlohmann/json.hpp>

#include "chem/mol_input.h"
#include "chem/molecule_reader.h"
#include "chem/scoring/mol_scorer.h"
#include "cli/common.h"
#include "core/atomic_file.h"
#include "core/text.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/threads.h"

namespace hitforge::cli {
using core::str_cat;
using core::UsageError;

namespace {

struct ScoreArgs {
  std::string input, smiles_col, id_col, keep_cols, format, scores, out;
  std::vector<std::string> scorer_json;
  std::size_t chunk = 4096;
  bool list = false;
};



// Integers (violation and match counts) print as integers; other values with 6 significant digits, locale-free.
// NaN (a scorer's "not defined") becomes an empty cell.
void append_number(std::string& line, double v) {
  if (std::isnan(v)) return;
  char buf[32];
  std::to_chars_result r;
  if (v == std::floor(v) && std::fabs(v) < 1e15)
    r = std::to_chars(buf, buf + sizeof buf, static_cast<long long>(v));
  else
    r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 6);
  line.append(buf, r.ptr);
}

std::vector<chem::MolScorerPtr> build_scorers(const ScoreArgs& a) {
  std::vector<chem::MolScorerPtr> scorers;
  for (const auto& name : core::split_list(a.scores)) scorers.push_back(chem::make_scorer(name));
  for (const auto& text : a.scorer_json) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
      throw UsageError(str_cat("--scorer '", text, "' is not valid JSON: ", e.what()));
    }
    scorers.push_back(chem::make_scorer(j));
  }
  HITFORGE_REQUIRE(!scorers.empty(), "no scorers given (--scores NAME,... and/or --scorer JSON; see --list)");
  return scorers;
}

struct ScoreSummary {
  std::int64_t records = 0, ok = 0, invalid = 0;
  std::vector<std::string> first_invalid;
};

void run_score(const ScoreArgs& a, const GlobalOptions& g) {
  if (a.list) {
    for (const auto& [name, desc] : chem::scorer_catalog())
      std::cout << "  " << std::left << std::setw(12) << name << desc << "\n";
    return;
  }
  HITFORGE_REQUIRE(!a.input.empty(), "no input file given (--input FILE)");
  HITFORGE_REQUIRE(!a.out.empty(), "no output file given (--out FILE.csv)");
  HITFORGE_REQUIRE(a.chunk > 0, "--chunk must be positive");
  apply_global_options(g);
  chem::quiet_rdkit_logs();
  const auto t0 = std::chrono::steady_clock::now();

  // Scorers are built (patterns compiled, catalogs and reference fingerprints computed) once, before any record.
  const std::vector<chem::MolScorerPtr> scorers = build_scorers(a);
  std::vector<std::size_t> offset;  // first value column of each scorer
  std::vector<std::string> score_cols;
  for (const auto& s : scorers) {
    offset.push_back(score_cols.size());
    for (const auto& c : s->columns()) score_cols.push_back(c);
  }
  const std::size_t n_values = score_cols.size();

  chem::ReaderOptions ro;
  ro.format = a.format;
  ro.smiles_col = a.smiles_col;
  ro.id_col = a.id_col;
  ro.value_cols = core::split_list(a.keep_cols);
  auto reader = chem::MoleculeReader::open(a.input, ro);

  std::vector<std::string> header = {"index", "id", "smiles", "status", "reason"};
  for (const auto& c : ro.value_cols) header.push_back(c);
  for (const auto& c : score_cols) header.push_back(c);
  header.push_back("notes");
  std::set<std::string> seen;
  for (const auto& h : header)
    HITFORGE_REQUIRE(seen.insert(h).second, "output column '", h,
                     "' appears twice (a kept column or two scorers share it; give a scorer a different \"label\")");

  core::AtomicFile file(a.out);
  std::ofstream os(file.temp_path(), std::ios::binary);
  HITFORGE_REQUIRE(os, "cannot write '", file.temp_path(), "' (for ", a.out, ")");
  {
    std::string line;
    for (std::size_t k = 0; k < header.size(); ++k) {
      if (k) line += ',';
      core::append_csv_field(line, header[k]);
    }
    os << line << '\n';
  }

  const int threads = core::configured_threads();
  auto bar = chem::record_progress(a.input, reader->format(), "score", g.progress);
  ScoreSummary summary;
  std::vector<chem::InputRecord> records(a.chunk);
  std::vector<std::string> lines(a.chunk);
  std::vector<std::uint8_t> ok(a.chunk);
  std::vector<std::string> reasons(a.chunk);
  std::vector<double> values(a.chunk * n_values);
  const chem::ParseParams parse_params;

  for (;;) {
    const std::size_t n = reader->next_chunk(records);
    if (n == 0) break;
    const long long nn = static_cast<long long>(n);
    // One record per iteration: parse, score, format its CSV line. Every exception stays inside the iteration and
    // becomes that record's reason, so one bad molecule never stops the run.
#pragma omp parallel for schedule(dynamic, 16) num_threads(threads) if (threads > 1 && n > 64)
    for (long long ii = 0; ii < nn; ++ii) {
      const auto i = static_cast<std::size_t>(ii);
      const chem::InputRecord& rec = records[i];
      std::string& line = lines[i];
      std::string& reason = reasons[i];
      double* vals = values.data() + i * n_values;
      line.clear();
      reason.clear();
      std::string smiles = rec.is_molblock ? std::string() : rec.text;
      std::string notes;
      try {
        if (!rec.error.empty()) {
          reason = rec.error;
        } else {
          chem::ParsedMol pm = rec.is_molblock ? chem::parse_molblock(rec.text, parse_params)
                                               : chem::parse_smiles(rec.text, parse_params);
          if (!pm.ok()) {
            reason = pm.reason;
          } else {
            if (rec.is_molblock) smiles = chem::canonical_smiles(*pm.mol);
            thread_local std::string note;
            for (std::size_t s = 0; s < scorers.size() && reason.empty(); ++s) {
              try {
                scorers[s]->compute(*pm.mol, vals + offset[s], &note);
              } catch (const std::exception& e) {
                reason = str_cat("scorer ", scorers[s]->name(), ": ", e.what());
                break;
              }
              if (note.empty()) continue;
              if (!notes.empty()) notes += " | ";
              notes += scorers[s]->name();
              notes += ": ";
              notes += note;
            }
          }
        }
      } catch (const std::exception& e) {
        reason = str_cat("internal error: ", e.what());
      } catch (...) {
        reason = "internal error: unknown exception";
      }
      ok[i] = reason.empty();
      try {
        line += std::to_string(rec.index);
        line += ',';
        core::append_csv_field(line, rec.id);
        line += ',';
        core::append_csv_field(line, smiles);
        line += ok[i] ? ",ok," : ",invalid,";
        core::append_csv_field(line, reason);
        for (const auto& v : rec.values) {
          line += ',';
          core::append_csv_field(line, v);
        }
        for (std::size_t k = 0; k < n_values; ++k) {
          line += ',';
          if (ok[i]) append_number(line, vals[k]);
        }
        line += ',';
        if (ok[i]) core::append_csv_field(line, notes);
      } catch (...) {
        line.clear();  // only std::bad_alloc can land here; the main thread reports the empty line
      }
    }
    for (std::size_t i = 0; i < n; ++i) {
      HITFORGE_REQUIRE(!lines[i].empty(), "out of memory formatting record ", records[i].index);
      os << lines[i] << '\n';
      if (ok[i]) {
        ++summary.ok;
      } else {
        ++summary.invalid;
        if (summary.first_invalid.size() < 10)
          summary.first_invalid.push_back(str_cat("record ", records[i].index,
                                                  records[i].id.empty() ? "" : " (" + records[i].id + ")", ": ",
                                                  reasons[i]));
      }
    }
    HITFORGE_REQUIRE(os, "error writing '", file.temp_path(), "' (disk full?)");
    summary.records += nn;
    bar->add(n);
    if (n < records.size()) break;
  }
  bar->finish();
  os.close();
  HITFORGE_REQUIRE(os, "error writing '", file.temp_path(), "' (disk full?)");
  file.commit();

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "wrote " << a.out << ": " << core::format_count(summary.records) << " records, "
            << core::format_count(summary.ok) << " ok, " << core::format_count(summary.invalid) << " invalid in "
            << std::fixed << std::setprecision(2) << seconds << " s ("
            << core::format_rate(summary.records / std::max(seconds, 1e-9)) << " mol/s)\n";
  for (const auto& s : summary.first_invalid) std::cout << "  " << s << "\n";
}

}  // namespace

void register_score_command(CLI::App& app, GlobalOptions& g) {
  static ScoreArgs a;
  CLI::App* cmd = app.add_subcommand("score", "Score a compound file with rule sets, alerts, SMARTS, similarity, QED/SA");
  cmd->add_option("--input,input", a.input, "Compound file: .smi/.csv/.tsv/.sdf, optionally .gz");
  cmd->add_option("--smiles-col", a.smiles_col, "CSV/TSV column with SMILES (default: auto-detect 'smiles')");
  cmd->add_option("--id-col", a.id_col, "Column (or SDF property) with record ids");
  cmd->add_option("--keep-cols", a.keep_cols, "Comma-separated input columns (or SDF properties) to copy to the output");
  cmd->add_option("--format", a.format, "Input format if the extension does not say: smi, csv, tsv, sdf");
  cmd->add_option("--scores", a.scores, "Comma-separated scorer names with default parameters, e.g. qed,lipinski,pains");
  cmd->add_option("--scorer", a.scorer_json,
                  "A scorer as a JSON object, repeatable, e.g. '{\"name\":\"smarts\",\"patterns\":[\"C(=O)Cl\"],"
                  "\"label\":\"acyl_halide\"}'");
  cmd->add_option("--out", a.out, "Output CSV (written atomically)");
  cmd->add_option("--chunk", a.chunk, "Records per processing chunk")->check(CLI::PositiveNumber);
  cmd->add_flag("--list", a.list, "List the scorers and exit");
  std::string footer =
      "Output columns: index,id,smiles,status,reason,<kept columns>,<score columns>,notes. Every input record is one\n"
      "row, in input order; status is ok or invalid (with the reason); notes hold 'scorer: note' joined by ' | '.\n"
      "Scorers:\n";
  for (const auto& [name, desc] : chem::scorer_catalog()) footer += "  " + name + ": " + desc + "\n";
  footer +=
      "Examples:\n"
      "  hitforge score --input library.smi --scores lipinski,pains --out scores.csv --threads 2\n"
      "  hitforge score --input hits.csv --smiles-col smiles --id-col name --keep-cols pIC50 --scores veber \\\n"
      "      --scorer '{\"name\":\"similarity\",\"reference_file\":\"actives.smi\",\"mode\":\"max\"}' --out s.csv\n"
      "Details: docs/scoring.md";
  cmd->footer(footer);
  cmd->callback([&g] { run_score(a, g); });
}

}  // namespace hitforge::cli
