#pragma once
// Small dependency-free SVG charts for artifacts people look at rather than read: learning curves and ROC curves
// (line_chart), parity plots (scatter_chart), score distributions (histogram).
//
// Every function returns a standalone SVG 1.1 document (xmlns, viewBox, text XML-escaped, invalid UTF-8 replaced)
// that browsers and XML parsers accept; write_svg() publishes it atomically. Coordinates are in SVG user units
// (pixels at 100 % zoom). Points with a NaN or infinite coordinate are skipped (a line chart breaks its line there;
// with log_y, so are y <= 0). An empty or constant data range is widened, so one point or a flat series still draws.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hitforge::core {

/// One named data series; x and y have the same length.
struct PlotSeries {
  PlotSeries() = default;
  PlotSeries(std::string name_, std::vector<double> x_, std::vector<double> y_)
      : name(std::move(name_)), x(std::move(x_)), y(std::move(y_)) {}

  std::string name;  ///< legend entry ("" = not in the legend)
  std::vector<double> x, y;
  std::string color;     ///< any SVG colour ("#1f77b4", "red"); "" = next colour of the built-in palette
  bool dashed = false;   ///< line_chart: dashed line
  bool markers = false;  ///< line_chart: a dot at every point (isolated points always get one)
};

struct ChartOptions {
  std::string title, x_label, y_label;
  int width = 640, height = 420;  ///< whole image, legend included
  bool log_y = false;             ///< logarithmic y axis (decade ticks); y <= 0 points are skipped
  bool legend = true;             ///< legend to the right of the plot when at least one series has a name
  /// Fixed axis ranges (e.g. [0, 1] for ROC curves); unset ends come from the data, extended to a tick.
  std::optional<double> x_min, x_max, y_min, y_max;
  /// Dashed grey y = x line (parity plots; the chance line of a ROC curve). Unless fixed, both axes then span the
  /// union of the x and y data. Ignored with log_y.
  bool diagonal = false;
  std::string annotation;  ///< text in the plot's top-left corner ("RMSE 0.61, R² 0.89"); '\n' starts a new line
};

/// One <path> per series (lines joining consecutive finite points).
std::string line_chart(const std::vector<PlotSeries>& series, const ChartOptions& options);
/// One <g class="series"> of <circle> points per series.
std::string scatter_chart(const std::vector<PlotSeries>& series, const ChartOptions& options);

/// Bars over shared bin edges: edges.size() == counts.size() + 1 for every series, edges increasing. Several
/// series overlay semi-transparently (e.g. actives vs decoys).
struct HistogramSeries {
  HistogramSeries() = default;
  HistogramSeries(std::string name_, std::vector<double> counts_, std::string color_ = "")
      : name(std::move(name_)), counts(std::move(counts_)), color(std::move(color_)) {}

  std::string name;
  std::vector<double> counts;
  std::string color;  ///< "" = palette
};
std::string histogram(const std::vector<double>& edges, const std::vector<HistogramSeries>& series,
                      const ChartOptions& options);
std::string histogram(const std::vector<double>& edges, const std::vector<double>& counts, const ChartOptions& options);

/// Equal-width bins over the finite values' range: edges (n_bins + 1) and counts (n_bins). The last bin is closed
/// ([lo, hi]); a constant sample gets the range [v − 0.5, v + 0.5]; no finite values gives edges [0, 1] and zeros.
struct Bins {
  std::vector<double> edges, counts;
};
Bins make_bins(const std::vector<double>& values, int n_bins);
/// Same, over a fixed range [lo, hi] (values outside are not counted), so several samples share the bins.
Bins make_bins(const std::vector<double>& values, int n_bins, double lo, double hi);

/// "Nice" tick values (steps of 1, 2 or 5 × 10^k) covering [lo, hi] with about `target` ticks.
std::vector<double> nice_ticks(double lo, double hi, int target = 6);
/// Short tick label: as many decimals as the step needs, no "-0", exponent form for very large/small values.
std::string format_tick(double value, double step);
/// Text escaped for XML character data and attribute values (& < > " '), control characters dropped, invalid
/// UTF-8 bytes replaced by '?'.
std::string xml_escape(std::string_view text);

/// Writes an SVG document atomically (core::write_file_atomic).
void write_svg(const std::string& path, std::string_view svg);

}  // namespace hitforge::core
