#include "core/svg_plot.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>

#include "core/atomic_file.h"
#include "core/error.h"

namespace hitforge::core {
namespace {

// Matplotlib's default colour cycle ("tab10").
constexpr const char* kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
constexpr std::size_t kPaletteSize = sizeof(kPalette) / sizeof(kPalette[0]);
constexpr const char* kClipId = "hitforge-plot-area";

std::string pick_color(const std::string& color, std::size_t index) {
  return color.empty() ? kPalette[index % kPaletteSize] : color;
}

/// Fixed-point text with at most `decimals` decimals and trailing zeros trimmed; locale-independent.
std::string fixed(double v, int decimals) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed, decimals);
  if (res.ec != std::errc()) return "0";
  std::string s(buf, res.ptr);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

/// A coordinate in user units.
std::string num(double v) {
  return fixed(v, 2);
}

/// Code points, for a rough text width.
std::size_t text_length(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

struct Axis {
  double lo = 0, hi = 1;  // in axis space (log10 of the data for log axes)
  bool log = false;
  std::vector<double> ticks;  // in axis space
  double step = 1;            // tick spacing in axis space

  /// Position 0..1 along the axis; NaN for values the axis cannot show.
  double frac(double v) const {
    if (log) {
      if (!(v > 0)) return std::nan("");
      v = std::log10(v);
    }
    return (v - lo) / (hi - lo);
  }
  std::string label(double tick) const {
    if (!log) return format_tick(tick, step);
    double v = std::pow(10.0, tick);
    return format_tick(v, v);
  }
};

/// Axis over the finite values (positive ones for log axes) with optional fixed ends, widened when empty or
/// constant, free ends extended to the enclosing ticks.
Axis make_axis(const std::vector<double>& values, std::optional<double> fixed_lo, std::optional<double> fixed_hi,
               bool log) {
  Axis a;
  a.log = log;
  auto to_axis = [&](std::optional<double> v) -> std::optional<double> {
    if (!v || !std::isfinite(*v) || (log && !(*v > 0))) return std::nullopt;
    return log ? std::log10(*v) : *v;
  };
  std::optional<double> flo = to_axis(fixed_lo), fhi = to_axis(fixed_hi);
  if (flo && fhi && *flo > *fhi) std::swap(flo, fhi);
  double lo = INFINITY, hi = -INFINITY;
  for (double v : values) {
    if (!std::isfinite(v) || (log && !(v > 0))) continue;
    double t = log ? std::log10(v) : v;
    lo = std::min(lo, t);
    hi = std::max(hi, t);
  }
  if (lo > hi) lo = 0, hi = 1;  // no data
  if (flo) lo = *flo;
  if (fhi) hi = *fhi;
  if (lo > hi) {  // a fixed end beyond all the data: collapse onto it (widened below)
    if (flo)
      hi = lo;
    else
      lo = hi;
  }
  // Constant (or numerically constant) range: widen so scaling never divides by zero.
  double scale = std::max(std::abs(lo), std::abs(hi));
  if (!(hi - lo > 1e-9 * scale) || !std::isfinite(hi - lo)) {
    double pad = log ? 0.5 : (scale > 0 && std::isfinite(scale) ? 0.1 * scale : 1.0);
    if (!std::isfinite(pad)) pad = 1.0;
    if (!flo || fhi) lo -= pad;
    if (!fhi || flo) hi += pad;
    if (!(hi > lo)) lo -= 1, hi += 1;
  }
  if (log) {
    // Decade ticks, thinned to at most ~8.
    double first = std::floor(lo + 1e-9), last = std::ceil(hi - 1e-9);
    double step = std::max(1.0, std::ceil((last - first) / 8));
    first = std::floor(first / step) * step;
    if (!flo) lo = std::min(lo, first);
    if (!fhi) hi = std::max(hi, std::ceil(last / step) * step);
    a.step = step;
    for (double t = first; t <= hi + 1e-9; t += step)
      if (t >= lo - 1e-9) a.ticks.push_back(t);
  } else {
    std::vector<double> ticks = nice_ticks(lo, hi);
    if (ticks.size() >= 2) {
      a.step = ticks[1] - ticks[0];
      if (!flo) lo = std::min(lo, ticks.front());
      if (!fhi) hi = std::max(hi, ticks.back());
    }
    for (double t : ticks)
      if (t >= lo - 1e-9 * a.step && t <= hi + 1e-9 * a.step) a.ticks.push_back(t);
  }
  a.lo = lo;
  a.hi = hi;
  return a;
}

enum class Swatch { line, dashed_line, dot, bar };
struct LegendEntry {
  std::string name, color;
  Swatch swatch;
};

/// The frame shared by every chart: layout, background, title, grid, axes with ticks, labels, legend.
class Canvas {
 public:
  Canvas(const ChartOptions& o, Axis x, Axis y, std::vector<LegendEntry> legend)
      : o_(o), x_(std::move(x)), y_(std::move(y)) {
    for (auto& e : legend)
      if (!e.name.empty()) legend_.push_back(std::move(e));
    if (!o_.legend) legend_.clear();
    width_ = std::max(o.width, 160);
    height_ = std::max(o.height, 120);
    std::size_t longest = 0;
    for (const auto& e : legend_) longest = std::max(longest, text_length(e.name));
    double right = legend_.empty() ? 16 : std::min(40.0 + 7.0 * static_cast<double>(longest), width_ * 0.4);
    left_ = o.y_label.empty() ? 52 : 66;
    top_ = o.title.empty() ? 14 : 36;
    right_ = std::max(static_cast<double>(left_) + 40, width_ - right);
    bottom_ = std::max(static_cast<double>(top_) + 40, height_ - (o.x_label.empty() ? 30.0 : 46.0));
  }

  /// Pixel position of a data value; NaN where the axis cannot show it.
  double px(double v) const { return left_ + x_.frac(v) * (right_ - left_); }
  double py(double v) const { return bottom_ - y_.frac(v) * (bottom_ - top_); }
  /// Baseline for bars: the bottom of the plot, or y = 0 when it lies inside.
  double y_base() const {
    double b = y_.log ? bottom_ : py(0.0);
    return std::clamp(std::isfinite(b) ? b : bottom_, top_, bottom_);
  }
  static bool ok(double a, double b) { return std::isfinite(a) && std::isfinite(b); }

  void begin(std::string& s) const {
    s += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + num(width_) + "\" height=\"" +
         num(height_) + "\" viewBox=\"0 0 " + num(width_) + " " + num(height_) +
         "\" font-family=\"DejaVu Sans, Arial, Helvetica, sans-serif\" font-size=\"12\">\n";
    if (!o_.title.empty()) s += "<title>" + xml_escape(o_.title) + "</title>\n";
    s += "<defs><clipPath id=\"" + std::string(kClipId) + "\"><rect x=\"" + num(left_) + "\" y=\"" + num(top_) +
         "\" width=\"" + num(right_ - left_) + "\" height=\"" + num(bottom_ - top_) + "\"/></clipPath></defs>\n";
    s += "<rect x=\"0\" y=\"0\" width=\"" + num(width_) + "\" height=\"" + num(height_) + "\" fill=\"white\"/>\n";
    if (!o_.title.empty())
      s += "<text class=\"title\" x=\"" + num(width_ / 2) + "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" " +
           "font-weight=\"bold\">" + xml_escape(o_.title) + "</text>\n";
    // Grid and tick labels.
    std::string grid, labels;
    for (double t : x_.ticks) {
      double x = left_ + (t - x_.lo) / (x_.hi - x_.lo) * (right_ - left_);
      if (!std::isfinite(x)) continue;
      grid += "<line x1=\"" + num(x) + "\" y1=\"" + num(top_) + "\" x2=\"" + num(x) + "\" y2=\"" + num(bottom_ + 4) +
              "\"/>\n";
      labels += "<text x=\"" + num(x) + "\" y=\"" + num(bottom_ + 17) + "\" text-anchor=\"middle\">" +
                xml_escape(x_.label(t)) + "</text>\n";
    }
    for (double t : y_.ticks) {
      double y = bottom_ - (t - y_.lo) / (y_.hi - y_.lo) * (bottom_ - top_);
      if (!std::isfinite(y)) continue;
      grid += "<line x1=\"" + num(left_ - 4) + "\" y1=\"" + num(y) + "\" x2=\"" + num(right_) + "\" y2=\"" + num(y) +
              "\"/>\n";
      labels += "<text x=\"" + num(left_ - 7) + "\" y=\"" + num(y + 4) + "\" text-anchor=\"end\">" +
                xml_escape(y_.label(t)) + "</text>\n";
    }
    s += "<g class=\"grid\" stroke=\"#e3e3e3\" stroke-width=\"1\">\n" + grid + "</g>\n";
    s += "<g class=\"tick-labels\" fill=\"#333333\">\n" + labels + "</g>\n";
    s += "<rect class=\"frame\" x=\"" + num(left_) + "\" y=\"" + num(top_) + "\" width=\"" + num(right_ - left_) +
         "\" height=\"" + num(bottom_ - top_) + "\" fill=\"none\" stroke=\"#333333\" stroke-width=\"1\"/>\n";
    if (!o_.x_label.empty())
      s += "<text class=\"x-label\" x=\"" + num((left_ + right_) / 2) + "\" y=\"" + num(height_ - 10) +
           "\" text-anchor=\"middle\">" + xml_escape(o_.x_label) + "</text>\n";
    if (!o_.y_label.empty())
      s += "<text class=\"y-label\" transform=\"translate(16," + num((top_ + bottom_) / 2) +
           ") rotate(-90)\" text-anchor=\"middle\">" + xml_escape(o_.y_label) + "</text>\n";
    if (o_.diagonal && !y_.log && !x_.log) {
      double a = std::max(x_.lo, y_.lo), b = std::min(x_.hi, y_.hi);
      if (b > a)
        s += "<line class=\"diagonal\" x1=\"" + num(px(a)) + "\" y1=\"" + num(py(a)) + "\" x2=\"" + num(px(b)) +
             "\" y2=\"" + num(py(b)) + "\" stroke=\"#999999\" stroke-width=\"1\" stroke-dasharray=\"5,4\"/>\n";
    }
  }

  /// Opens a series group clipped to the plot area; the name becomes its tooltip.
  std::string series_group(const std::string& name, const std::string& attrs) const {
    std::string g = "<g class=\"series\" clip-path=\"url(#" + std::string(kClipId) + ")\"" +
                    (attrs.empty() ? "" : " " + attrs) + ">\n";
    if (!name.empty()) g += "<title>" + xml_escape(name) + "</title>\n";
    return g;
  }

  void end(std::string& s) const {
    if (!o_.annotation.empty()) {
      s += "<g class=\"annotation\" fill=\"#222222\">\n";
      double y = top_ + 18;
      std::string_view rest = o_.annotation;
      while (true) {
        std::size_t nl = rest.find('\n');
        s += "<text x=\"" + num(left_ + 8) + "\" y=\"" + num(y) + "\">" + xml_escape(rest.substr(0, nl)) + "</text>\n";
        if (nl == std::string_view::npos) break;
        rest.remove_prefix(nl + 1);
        y += 16;
      }
      s += "</g>\n";
    }
    if (!legend_.empty()) {
      s += "<g class=\"legend\">\n";
      double x = right_ + 12, y = top_ + 10;
      for (const auto& e : legend_) {
        std::string c = xml_escape(e.color);
        switch (e.swatch) {
          case Swatch::line:
          case Swatch::dashed_line:
            s += "<line x1=\"" + num(x) + "\" y1=\"" + num(y) + "\" x2=\"" + num(x + 18) + "\" y2=\"" + num(y) +
                 "\" stroke=\"" + c + "\" stroke-width=\"2\"" +
                 (e.swatch == Swatch::dashed_line ? " stroke-dasharray=\"5,3\"" : "") + "/>\n";
            break;
          case Swatch::dot:
            s += "<circle cx=\"" + num(x + 9) + "\" cy=\"" + num(y) + "\" r=\"4\" fill=\"" + c + "\"/>\n";
            break;
          case Swatch::bar:
            s += "<rect x=\"" + num(x + 3) + "\" y=\"" + num(y - 6) + "\" width=\"12\" height=\"12\" fill=\"" + c +
                 "\" fill-opacity=\"0.6\"/>\n";
            break;
        }
        s += "<text x=\"" + num(x + 24) + "\" y=\"" + num(y + 4) + "\">" + xml_escape(e.name) + "</text>\n";
        y += 20;
      }
      s += "</g>\n";
    }
    s += "</svg>\n";
  }

 private:
  const ChartOptions& o_;
  Axis x_, y_;
  std::vector<LegendEntry> legend_;
  double width_ = 0, height_ = 0, left_ = 0, right_ = 0, top_ = 0, bottom_ = 0;
};

void check_series(const std::vector<PlotSeries>& series, const char* chart) {
  for (const auto& s : series)
    HITFORGE_REQUIRE(s.x.size() == s.y.size(), chart, ": series '", s.name, "' has ", s.x.size(), " x values and ",
                     s.y.size(), " y values");
}

std::pair<Axis, Axis> axes_for(const std::vector<PlotSeries>& series, const ChartOptions& o) {
  std::vector<double> xs, ys;
  for (const auto& s : series)
    for (std::size_t i = 0; i < s.x.size(); ++i)
      if (std::isfinite(s.x[i]) && std::isfinite(s.y[i]) && (!o.log_y || s.y[i] > 0)) {
        xs.push_back(s.x[i]);
        ys.push_back(s.y[i]);
      }
  if (o.diagonal && !o.log_y) {
    // Parity plots compare like with like: both axes span the union of the data, so y = x is the square's diagonal.
    std::vector<double> both = xs;
    both.insert(both.end(), ys.begin(), ys.end());
    return {make_axis(both, o.x_min, o.x_max, false), make_axis(both, o.y_min, o.y_max, false)};
  }
  return {make_axis(xs, o.x_min, o.x_max, false), make_axis(ys, o.y_min, o.y_max, o.log_y)};
}

std::string dot(double x, double y, double r) {
  return "<circle cx=\"" + num(x) + "\" cy=\"" + num(y) + "\" r=\"" + num(r) + "\"/>\n";
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return {};
  if (hi < lo) std::swap(lo, hi);
  double span = hi - lo;
  if (!(span > 0) || !std::isfinite(span)) return {lo};
  double raw = span / std::max(1, target - 1);
  double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double f = raw / mag;
  double step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
  double first = std::floor(lo / step + 1e-9), last = std::ceil(hi / step - 1e-9);
  std::vector<double> ticks;
  for (double k = first; k <= last && ticks.size() < 1000; k += 1) {
    double t = k * step;
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  }
  return ticks;
}

std::string format_tick(double value, double step) {
  if (!std::isfinite(value)) return "";
  step = std::abs(step);
  if (!(step > 0) || !std::isfinite(step)) step = std::abs(value) > 0 ? std::abs(value) : 1;
  if (std::abs(value) < step * 1e-9) return "0";
  double mag = std::abs(value);
  if (mag >= 1e5 || mag < 1e-3) {
    int e = static_cast<int>(std::floor(std::log10(mag)));
    double mantissa = value / std::pow(10.0, e);
    // Digits the step needs relative to this exponent (at most 3).
    int decimals = std::clamp(static_cast<int>(-std::floor(std::log10(step) - e + 1e-9)), 0, 3);
    std::string m = fixed(mantissa, decimals);
    if (m == "10" || m == "-10") m = m.substr(0, m.size() - 1), ++e;  // mantissa rounded up to 10
    return m + "e" + std::to_string(e);
  }
  int decimals = std::clamp(static_cast<int>(-std::floor(std::log10(step) + 1e-9)), 0, 10);
  return fixed(value, decimals);
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    unsigned char c = p[i];
    if (c < 0x80) {
      switch (c) {
        case '&':
          out += "&amp;";
          break;
        case '<':
          out += "&lt;";
          break;
        case '>':
          out += "&gt;";
          break;
        case '"':
          out += "&quot;";
          break;
        case '\'':
          out += "&apos;";
          break;
        default:
          // XML 1.0 forbids control characters other than tab, newline and carriage return, even escaped.
          if (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    // A well-formed UTF-8 sequence is copied; anything else becomes '?' one byte at a time.
    std::size_t len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
    bool valid = len > 0 && i + len <= n;
    std::uint32_t cp = len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
    for (std::size_t k = 1; valid && k < len; ++k) {
      valid = (p[i + k] & 0xC0) == 0x80;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    // Reject overlong forms, surrogates, code points past U+10FFFF and the non-characters U+FFFE/U+FFFF.
    valid = valid && !(len == 3 && cp < 0x800) && !(len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) &&
            !(cp >= 0xD800 && cp <= 0xDFFF) && cp != 0xFFFE && cp != 0xFFFF;
    if (valid) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      out += '?';
      ++i;
    }
  }
  return out;
}

std::string line_chart(const std::vector<PlotSeries>& series, const ChartOptions& options) {
  check_series(series, "line chart");
  auto [xa, ya] = axes_for(series, options);
  std::vector<LegendEntry> legend;
  for (std::size_t i = 0; i < series.size(); ++i)
    legend.push_back(
        {series[i].name, pick_color(series[i].color, i), series[i].dashed ? Swatch::dashed_line : Swatch::line});
  Canvas canvas(options, xa, ya, legend);
  std::string s;
  canvas.begin(s);
  for (std::size_t i = 0; i < series.size(); ++i) {
    const PlotSeries& ser = series[i];
    std::string color = xml_escape(pick_color(ser.color, i));
    // Runs of consecutive drawable points; a skipped point breaks the line.
    std::vector<std::vector<std::pair<double, double>>> runs(1);
    for (std::size_t k = 0; k < ser.x.size(); ++k) {
      double x = canvas.px(ser.x[k]), y = canvas.py(ser.y[k]);
      bool drawable = std::isfinite(ser.x[k]) && std::isfinite(ser.y[k]) && Canvas::ok(x, y);
      if (drawable)
        runs.back().emplace_back(x, y);
      else if (!runs.back().empty())
        runs.emplace_back();
    }
    std::string d, dots;
    for (const auto& run : runs) {
      if (run.size() >= 2)
        for (std::size_t k = 0; k < run.size(); ++k)
          d += (k == 0 ? (d.empty() ? "M" : " M") : " L") + num(run[k].first) + "," + num(run[k].second);
      if (run.size() == 1 || ser.markers)
        for (const auto& [x, y] : run) dots += dot(x, y, 3);
    }
    s += canvas.series_group(ser.name, "");
    if (!d.empty())
      s += "<path d=\"" + d + "\" fill=\"none\" stroke=\"" + color +
           "\" stroke-width=\"2\" stroke-linejoin=\"round\" stroke-linecap=\"round\"" +
           (ser.dashed ? " stroke-dasharray=\"6,4\"" : "") + "/>\n";
    if (!dots.empty()) s += "<g fill=\"" + color + "\">\n" + dots + "</g>\n";
    s += "</g>\n";
  }
  canvas.end(s);
  return s;
}

std::string scatter_chart(const std::vector<PlotSeries>& series, const ChartOptions& options) {
  check_series(series, "scatter chart");
  auto [xa, ya] = axes_for(series, options);
  std::vector<LegendEntry> legend;
  for (std::size_t i = 0; i < series.size(); ++i)
    legend.push_back({series[i].name, pick_color(series[i].color, i), Swatch::dot});
  Canvas canvas(options, xa, ya, legend);
  std::string s;
  canvas.begin(s);
  for (std::size_t i = 0; i < series.size(); ++i) {
    const PlotSeries& ser = series[i];
    s += canvas.series_group(ser.name, "fill=\"" + xml_escape(pick_color(ser.color, i)) + "\" fill-opacity=\"0.65\"");
    for (std::size_t k = 0; k < ser.x.size(); ++k) {
      if (!std::isfinite(ser.x[k]) || !std::isfinite(ser.y[k])) continue;
      double x = canvas.px(ser.x[k]), y = canvas.py(ser.y[k]);
      if (Canvas::ok(x, y)) s += dot(x, y, 2.5);
    }
    s += "</g>\n";
  }
  canvas.end(s);
  return s;
}

std::string histogram(const std::vector<double>& edges, const std::vector<HistogramSeries>& series,
                      const ChartOptions& options) {
  HITFORGE_REQUIRE(edges.size() >= 2, "histogram: need at least 2 bin edges, got ", edges.size());
  for (std::size_t k = 0; k + 1 < edges.size(); ++k)
    HITFORGE_REQUIRE(edges[k] < edges[k + 1], "histogram: bin edges must be finite and increasing (edge ", k, ")");
  for (const auto& h : series)
    HITFORGE_REQUIRE(h.counts.size() + 1 == edges.size(), "histogram: series '", h.name, "' has ", h.counts.size(),
                     " counts for ", edges.size() - 1, " bins");
  std::vector<double> ys;
  for (const auto& h : series)
    for (double c : h.counts) ys.push_back(c);
  ChartOptions o = options;
  if (!o.log_y && !o.y_min) o.y_min = 0.0;
  Axis xa = make_axis(edges, o.x_min ? o.x_min : std::optional<double>(edges.front()),
                      o.x_max ? o.x_max : std::optional<double>(edges.back()), false);
  Axis ya = make_axis(ys, o.y_min, o.y_max, o.log_y);
  std::vector<LegendEntry> legend;
  for (std::size_t i = 0; i < series.size(); ++i)
    legend.push_back({series[i].name, pick_color(series[i].color, i), Swatch::bar});
  Canvas canvas(o, xa, ya, legend);
  std::string s;
  canvas.begin(s);
  const double opacity = series.size() > 1 ? 0.5 : 0.8;
  for (std::size_t i = 0; i < series.size(); ++i) {
    const HistogramSeries& h = series[i];
    s += canvas.series_group(h.name, "fill=\"" + xml_escape(pick_color(h.color, i)) + "\" fill-opacity=\"" +
                                         num(opacity) + "\" stroke=\"white\" stroke-width=\"0.5\"");
    double base = canvas.y_base();
    for (std::size_t k = 0; k < h.counts.size(); ++k) {
      double c = h.counts[k];
      if (!std::isfinite(c) || c == 0) continue;
      double x0 = canvas.px(edges[k]), x1 = canvas.px(edges[k + 1]), y = canvas.py(c);
      if (!Canvas::ok(x0, x1) || !std::isfinite(y)) continue;
      double top = std::min(y, base), height = std::abs(base - y);
      s += "<rect x=\"" + num(x0) + "\" y=\"" + num(top) + "\" width=\"" + num(std::max(x1 - x0, 0.0)) +
           "\" height=\"" + num(height) + "\"/>\n";
    }
    s += "</g>\n";
  }
  canvas.end(s);
  return s;
}

std::string histogram(const std::vector<double>& edges, const std::vector<double>& counts,
                      const ChartOptions& options) {
  return histogram(edges, std::vector<HistogramSeries>{{"", counts, ""}}, options);
}

Bins make_bins(const std::vector<double>& values, int n_bins, double lo, double hi) {
  HITFORGE_REQUIRE(n_bins >= 1, "histogram: need at least one bin, got ", n_bins);
  HITFORGE_REQUIRE(std::isfinite(lo) && std::isfinite(hi) && lo < hi, "histogram: bad range [", lo, ", ", hi, "]");
  Bins b;
  b.edges.resize(static_cast<std::size_t>(n_bins) + 1);
  for (int k = 0; k <= n_bins; ++k) b.edges[static_cast<std::size_t>(k)] = lo + (hi - lo) * k / n_bins;
  b.counts.assign(static_cast<std::size_t>(n_bins), 0.0);
  for (double v : values) {
    if (!(v >= lo && v <= hi)) continue;  // also drops NaN
    auto k = static_cast<std::size_t>(std::floor((v - lo) / (hi - lo) * n_bins));
    b.counts[std::min(k, b.counts.size() - 1)] += 1;
  }
  return b;
}

Bins make_bins(const std::vector<double>& values, int n_bins) {
  double lo = INFINITY, hi = -INFINITY;
  for (double v : values)
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (lo > hi) lo = 0, hi = 1;
  if (!(hi > lo)) lo -= 0.5, hi += 0.5;
  return make_bins(values, n_bins, lo, hi);
}

void write_svg(const std::string& path, std::string_view svg) {
  write_file_atomic(path, svg);
}

}  // namespace hitforge::core
