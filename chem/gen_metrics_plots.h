#pragma once
// Generated-vs-reference property distributions as SVG histograms (core/svg_plot.h), one file per property of
// plot_property_names() (MolWt, logP, QED, SA, TPSA): both samples over shared bins, each bar the fraction of its
// own sample (so sets of different sizes compare), the x range clipped to the 0.5–99.5 percentiles of the pooled
// values so that a few outliers do not squash the plot (the annotation says how many values fall outside).
// SVG only: the project draws its charts as dependency-free SVG; convert with any SVG tool (e.g. `rsvg-convert -f png`)
// when a PNG is needed.
#include <array>
#include <string>
#include <vector>

#include "chem/gen_metrics.h"

namespace hitforge::chem {

struct PlotFile {
  std::string property;  ///< "MolWt", ...
  std::string path;
};

/// Writes `<dir>/<prefix><property in lower case>.svg` for every property with at least one finite value in either
/// sample, atomically; creates `dir` if needed. Returns the files written. UsageError naming the path when a file or
/// the directory cannot be written.
std::vector<PlotFile> write_property_plots(const MolSetDigest& generated, const MolSetDigest& reference,
                                           const std::string& dir, const std::string& prefix, int bins = 40);

/// The SVG document of one property's chart (exposed for tests).
std::string property_plot_svg(const std::string& property, const std::vector<double>& generated,
                              const std::vector<double>& reference, int bins = 40);

}  // namespace hitforge::chem
