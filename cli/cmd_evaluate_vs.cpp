// hitforge evaluate-vs: enrichment metrics (ROC-AUC, EF x%, BEDROC, PR-AUC) of a scored actives/decoys table.
// Glue only: the metrics live in core/vs_metrics.h; this file reads the CSV/TSV, applies the missing-score policy and
// publishes the JSON (and optionally an SVG ROC curve).
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chem/molecule_reader.h"
#include "cli/common.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/svg_plot.h"
#include "core/vs_metrics.h"

namespace hitforge::cli {
using core::str_cat;

namespace {

struct EvaluateVsArgs {
  std::string scores, label_col = "active", score_col = "score", out, roc_svg, missing = "exclude", delimiter;
  std::vector<double> ef_percents{1.0, 5.0};
  double bedroc_alpha = 20.0;
  bool ascending = false;
};

/// The scored table reduced to what the metrics need, plus the bookkeeping the report shows.
struct ScoredTable {
  std::vector<double> scores;  ///< ranked rows (missing ones already excluded or set to the worst score)
  std::vector<std::uint8_t> labels;
  std::size_t rows = 0;  ///< data rows read (blank lines skipped)
  std::size_t missing = 0, missing_actives = 0;
  std::vector<std::size_t> missing_lines;  ///< 1-based file lines of rows without a score (first 20)
};

std::string trim(const std::string& s) {
  std::size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

char pick_delimiter(const std::string& path, const std::string& header, const std::string& flag) {
  if (flag == "tab" || flag == "\\t" || flag == "\t") return '\t';
  if (flag == "comma" || flag == ",") return ',';
  HITFORGE_REQUIRE(flag.empty(), "--delimiter must be 'comma' or 'tab', got '", flag, "'");
  const std::string ext = lower(std::filesystem::path(path).extension().string());
  if (ext == ".tsv" || ext == ".tab") return '\t';
  if (header.find(',') == std::string::npos && header.find('\t') != std::string::npos) return '\t';
  return ',';
}

std::size_t find_column(const std::vector<std::string>& header, const std::string& name, const std::string& flag,
                        const std::string& path) {
  for (std::size_t k = 0; k < header.size(); ++k)
    if (header[k] == name) return k;
  std::string present;
  for (const auto& h : header) present += (present.empty() ? "" : ", ") + h;
  throw core::UsageError(str_cat(path, ": no column '", name, "' (", flag, "); columns: ", present));
}

/// Empty, "nan", "na", "null" → nullopt (a missing score); otherwise the number, or a UsageError naming the line.
std::optional<double> parse_score(const std::string& raw, const std::string& path, std::size_t line,
                                  const std::string& col) {
  const std::string s = trim(raw);
  const std::string l = lower(s);
  if (s.empty() || l == "nan" || l == "na" || l == "null" || l == "none") return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  HITFORGE_REQUIRE(end == s.c_str() + s.size(), path, " line ", line, ": score '", raw, "' in column '", col,
                   "' is not a number (leave it empty for a row without a score)");
  if (std::isnan(v)) return std::nullopt;
  return v;
}

ScoredTable read_scored_table(const EvaluateVsArgs& a) {
  std::ifstream in(a.scores);
  HITFORGE_REQUIRE(in, "cannot open '", a.scores, "'");
  std::string line;
  HITFORGE_REQUIRE(std::getline(in, line), a.scores, ": empty file (expected a header line)");
  if (line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // UTF-8 byte-order mark from spreadsheet exports
  if (!line.empty() && line.back() == '\r') line.pop_back();
  const char delim = pick_delimiter(a.scores, line, a.delimiter);
  std::vector<std::string> header, fields;
  HITFORGE_REQUIRE(chem::split_delimited(line, delim, header), a.scores, " line 1: unterminated quote in the header");
  for (auto& h : header) h = trim(h);
  const std::size_t label_k = find_column(header, a.label_col, "--label-col", a.scores);
  const std::size_t score_k = find_column(header, a.score_col, "--score-col", a.scores);
  // Rows without a score take the worst possible score in the ranking direction, i.e. they rank last (tied).
  const double worst = a.ascending ? INFINITY : -INFINITY;

  ScoredTable t;
  for (std::size_t line_no = 2; std::getline(in, line); ++line_no) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (trim(line).empty()) continue;
    HITFORGE_REQUIRE(chem::split_delimited(line, delim, fields), a.scores, " line ", line_no, ": unterminated quote");
    HITFORGE_REQUIRE(fields.size() == header.size(), a.scores, " line ", line_no, ": ", fields.size(),
                     " fields, but the header has ", header.size());
    ++t.rows;
    std::optional<bool> label = core::parse_activity_label(fields[label_k]);
    HITFORGE_REQUIRE(label.has_value(), a.scores, " line ", line_no, ": label '", fields[label_k], "' in column '",
                     a.label_col, "' is not one of 1/0, true/false, active/decoy");
    std::optional<double> score = parse_score(fields[score_k], a.scores, line_no, a.score_col);
    if (!score) {
      ++t.missing;
      t.missing_actives += *label;
      if (t.missing_lines.size() < 20) t.missing_lines.push_back(line_no);
      if (a.missing == "exclude") continue;
      score = worst;
    }
    t.scores.push_back(*score);
    t.labels.push_back(*label ? 1 : 0);
  }
  HITFORGE_REQUIRE(!in.bad(), "error reading '", a.scores, "'");
  return t;
}

/// "ef1", "ef5", "ef0.5": the JSON key of EF at `percent` %.
std::string ef_key(double percent) {
  std::ostringstream os;
  os << std::setprecision(6) << percent;
  return "ef" + os.str();
}

std::string fixed(double v, int decimals) {
  std::ostringstream os;
  os << std::fixed << std::setprecision(decimals) << v;
  return os.str();
}

void run_evaluate_vs(const EvaluateVsArgs& a, const GlobalOptions& g) {
  apply_global_options(g);
  HITFORGE_REQUIRE(a.missing == "exclude" || a.missing == "last", "--missing-scores must be 'exclude' or 'last', got '",
                   a.missing, "'");
  core::VsMetricsOptions opt;
  opt.ascending = a.ascending;
  opt.bedroc_alpha = a.bedroc_alpha;
  opt.ef_fractions.clear();
  for (double p : a.ef_percents) {
    HITFORGE_REQUIRE(p > 0 && p <= 100, "--ef: percentages must be in (0, 100], got ", p);
    opt.ef_fractions.push_back(p / 100.0);
  }

  const ScoredTable t = read_scored_table(a);
  const core::VsRanking ranking(t.scores, t.labels, a.ascending);
  HITFORGE_REQUIRE(ranking.n_actives() > 0 && ranking.n_decoys() > 0, a.scores, ": ", ranking.n_actives(),
                   " actives and ", ranking.n_decoys(), " decoys among ", ranking.size(), " ranked rows (column '",
                   a.label_col, "'); enrichment metrics need both");
  const core::VsMetrics m = core::compute_vs_metrics(t.scores, t.labels, opt);

  nlohmann::json j;
  j["input"] = a.scores;
  j["label_col"] = a.label_col;
  j["score_col"] = a.score_col;
  j["ascending"] = a.ascending;
  j["missing_scores"] = a.missing;
  j["counts"] = {{"rows", t.rows},
                 {"ranked", m.n},
                 {"actives", m.n_actives},
                 {"decoys", m.n_decoys},
                 {"missing_score", t.missing},
                 {"missing_score_actives", t.missing_actives},
                 {"missing_score_decoys", t.missing - t.missing_actives},
                 {"tie_groups", m.n_tie_groups}};
  j["missing_score_lines"] = t.missing_lines;
  nlohmann::json metrics = {
      {"roc_auc", m.roc_auc}, {"pr_auc", m.average_precision}, {"bedroc", m.bedroc}, {"rie", m.rie}};
  nlohmann::json enrichment = nlohmann::json::array();
  for (std::size_t k = 0; k < m.enrichment.size(); ++k) {
    const auto& e = m.enrichment[k];
    metrics[ef_key(a.ef_percents[k])] = e.ef;
    enrichment.push_back({{"percent", a.ef_percents[k]},
                          {"n_top", e.n_top},
                          {"actives_in_top", e.actives_in_top},
                          {"ef", e.ef},
                          {"ef_max", e.ef_max}});
  }
  j["metrics"] = metrics;
  j["bedroc_alpha"] = m.bedroc_alpha;
  j["enrichment"] = enrichment;
  j["command"] = g.command_line;
  core::write_file_atomic(a.out, j.dump(2) + "\n");

  if (!a.roc_svg.empty()) {
    core::RocCurve c = ranking.roc_curve();
    core::ChartOptions co;
    co.title = "ROC: " + std::filesystem::path(a.scores).filename().string();
    co.x_label = "false positive rate (decoys)";
    co.y_label = "true positive rate (actives)";
    co.x_min = co.y_min = 0.0;
    co.x_max = co.y_max = 1.0;
    co.diagonal = true;
    co.legend = false;
    co.annotation = str_cat("ROC-AUC ", fixed(m.roc_auc, 3), "\n", m.n_actives, " actives, ", m.n_decoys, " decoys");
    core::write_svg(a.roc_svg, core::line_chart({core::PlotSeries("ROC", c.fpr, c.tpr)}, co));
  }

  std::ostringstream s;
  s << a.out << ": " << core::format_count(m.n_actives) << " actives, " << core::format_count(m.n_decoys) << " decoys";
  if (t.missing)
    s << " (" << t.missing << (t.missing == 1 ? " row" : " rows") << " without a score "
      << (a.missing == "exclude" ? "excluded" : "ranked last") << ")";
  s << ": ROC-AUC " << fixed(m.roc_auc, 3);
  for (std::size_t k = 0; k < m.enrichment.size(); ++k)
    s << ", EF" << ef_key(a.ef_percents[k]).substr(2) << "% " << fixed(m.enrichment[k].ef, 2);
  s << ", BEDROC(α=" << ef_key(m.bedroc_alpha).substr(2) << ") " << fixed(m.bedroc, 3) << ", PR-AUC "
    << fixed(m.average_precision, 3);
  std::cout << s.str() << "\n";
}

}  // namespace

void register_evaluate_vs_command(CLI::App& app, GlobalOptions& g) {
  static EvaluateVsArgs a;
  CLI::App* c = app.add_subcommand(
      "evaluate-vs",
      "Virtual-screening enrichment of scored actives/decoys: ROC-AUC, EF1%, EF5%, BEDROC(α=20), PR-AUC");
  c->add_option("--scores", a.scores, "CSV/TSV with a label column and a score column (e.g. from 'hitforge score')")
      ->required()
      ->check(CLI::ExistingFile);
  c->add_option("--label-col", a.label_col, "Label column: 1/0, true/false or active/decoy (any case)")
      ->capture_default_str();
  c->add_option("--score-col", a.score_col, "Score column; higher = more likely active unless --ascending")
      ->capture_default_str();
  c->add_flag("--ascending", a.ascending, "Lower scores rank first (docking energies, distances)");
  c->add_option("--missing-scores", a.missing,
                "Rows with an empty/NaN score: 'exclude' or 'last' (ranked last, tied); counted either way")
      ->capture_default_str()
      ->check(CLI::IsMember({"exclude", "last"}));
  c->add_option("--ef", a.ef_percents, "Enrichment-factor percentages, comma-separated")
      ->capture_default_str()
      ->delimiter(',');
  c->add_option("--bedroc-alpha", a.bedroc_alpha, "BEDROC early-recognition parameter α")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  c->add_option("--delimiter", a.delimiter, "comma or tab (default: tab for .tsv/.tab, else from the header)");
  c->add_option("--roc-svg", a.roc_svg, "Also draw the ROC curve into this SVG file");
  c->add_option("--out", a.out, "Metrics JSON (written atomically)")->required();
  c->footer(
      "Metrics and tie handling: docs/virtual-screening.md.\n"
      "Examples:\n"
      "  hitforge evaluate-vs --scores scored.csv --label-col active --score-col score --out vs_metrics.json\n"
      "  hitforge evaluate-vs --scores docked.tsv --label-col is_active --score-col vina --ascending "
      "--roc-svg roc.svg --out vs.json");
  c->callback([&g] { run_evaluate_vs(a, g); });
}

}  // namespace hitforge::cli
