#include "chem/gen_metrics_plots.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <system_error>

#include "core/error.h"
#include "core/svg_plot.h"

namespace hitforge::chem {
namespace {

constexpr double kClipFraction = 0.005;  // 0.5 % of the pooled values on each side fall outside the drawn range

std::vector<double> finite(const std::vector<double>& v) {
  std::vector<double> out;
  for (double x : v)
    if (std::isfinite(x)) out.push_back(x);
  return out;
}

// Value at quantile q of sorted data (nearest rank; enough for choosing a plot range).
double quantile(const std::vector<double>& sorted, double q) {
  const auto idx = static_cast<std::size_t>(std::llround(q * static_cast<double>(sorted.size() - 1)));
  return sorted[std::min(idx, sorted.size() - 1)];
}

std::string x_label(const std::string& property) {
  if (property == "MolWt") return "MolWt (g/mol)";
  if (property == "TPSA") return "TPSA (Å²)";
  if (property == "logP") return "Crippen logP";
  if (property == "SA") return "SA score (1 easy – 10 hard)";
  return property;
}

}  // namespace

std::string property_plot_svg(const std::string& property, const std::vector<double>& generated,
                              const std::vector<double>& reference, int bins) {
  const std::vector<double> gen = finite(generated), ref = finite(reference);
  std::vector<double> pooled = gen;
  pooled.insert(pooled.end(), ref.begin(), ref.end());
  std::sort(pooled.begin(), pooled.end());
  double lo = 0, hi = 1;
  if (!pooled.empty()) {
    lo = quantile(pooled, kClipFraction);
    hi = quantile(pooled, 1 - kClipFraction);
    if (!(hi > lo)) lo = pooled.front(), hi = pooled.back();
    if (!(hi > lo)) lo -= 0.5, hi += 0.5;
  }
  std::size_t outside = 0;
  for (double v : pooled) outside += v < lo || v > hi;
  const core::Bins g = core::make_bins(gen, bins, lo, hi), r = core::make_bins(ref, bins, lo, hi);
  const auto fractions = [](std::vector<double> counts, std::size_t n) {
    for (double& c : counts) c = n ? c / static_cast<double>(n) : 0.0;
    return counts;
  };
  core::ChartOptions o;
  o.title = property + ": generated vs reference";
  o.x_label = x_label(property);
  o.y_label = "fraction of molecules";
  o.annotation = core::str_cat("generated n=", gen.size(), ", reference n=", ref.size());
  if (outside) o.annotation += core::str_cat("\n", outside, " pooled values outside the 0.5-99.5 % range not drawn");
  return core::histogram(g.edges,
                         {core::HistogramSeries("generated", fractions(g.counts, gen.size()), "#d62728"),
                          core::HistogramSeries("reference", fractions(r.counts, ref.size()), "#1f77b4")},
                         o);
}

std::vector<PlotFile> write_property_plots(const MolSetDigest& generated, const MolSetDigest& reference,
                                           const std::string& dir, const std::string& prefix, int bins) {
  std::vector<PlotFile> written;
  if (!dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    HITFORGE_REQUIRE(!ec, "cannot create the plot directory '", dir, "': ", ec.message());
  }
  const auto& names = plot_property_names();
  for (std::size_t k = 0; k < kPlotPropertyCount; ++k) {
    const auto column = [k](const MolSetDigest& d) {
      std::vector<double> v;
      v.reserve(d.properties.size());
      for (const auto& p : d.properties) v.push_back(p[k]);
      return v;
    };
    const std::vector<double> gen = column(generated), ref = column(reference);
    if (finite(gen).empty() && finite(ref).empty()) continue;  // e.g. SA without its fragment table
    std::string file = names[k];
    std::transform(file.begin(), file.end(), file.begin(), [](unsigned char c) { return std::tolower(c); });
    const std::string path = (std::filesystem::path(dir.empty() ? "." : dir) / (prefix + file + ".svg")).string();
    core::write_svg(path, property_plot_svg(names[k], gen, ref, bins));
    written.push_back({names[k], path});
  }
  return written;
}

}  // namespace hitforge::chem
