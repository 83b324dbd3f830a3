#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <vector>

#include "core/error.h"
#include "core/svg_plot.h"
#include "test_util.h"

using namespace hitforge;
namespace fs = std::filesystem;

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

std::size_t count(const std::string& s, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t p = s.find(needle); p != std::string::npos; p = s.find(needle, p + needle.size())) ++n;
  return n;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

/// A small well-formedness check: one <svg> root, every tag closed in order, no '<' inside a tag, '&' only
/// starting one of the five predefined entities. Returns "" or what is wrong.
std::string xml_problem(const std::string& s) {
  std::vector<std::string> open;
  int roots = 0;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == '&') {
      bool entity = false;
      for (const char* e : {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"})
        entity = entity || s.compare(i, std::strlen(e), e) == 0;
      if (!entity) return "bare & at " + std::to_string(i);
      ++i;
      continue;
    }
    if (s[i] != '<') {
      ++i;
      continue;
    }
    std::size_t j = s.find('>', i);
    if (j == std::string::npos) return "unterminated tag at " + std::to_string(i);
    std::string tag = s.substr(i + 1, j - i - 1);
    if (tag.find('<') != std::string::npos) return "'<' inside tag at " + std::to_string(i);
    if (count(tag, "\"") % 2 != 0) return "unbalanced quotes in <" + tag + ">";
    std::string name = tag.substr(0, tag.find_first_of(" \t\n/"));
    if (tag.front() == '/') {
      name = tag.substr(1);
      if (open.empty() || open.back() != name)
        return "</" + name + "> does not close <" + (open.empty() ? "" : open.back()) + ">";
      open.pop_back();
    } else if (tag.back() != '/') {
      if (open.empty()) ++roots;
      open.push_back(name);
    } else if (open.empty()) {
      return "self-closed element outside the root";
    }
    i = j + 1;
  }
  if (!open.empty()) return "unclosed <" + open.back() + ">";
  if (roots != 1) return "expected one root element, found " + std::to_string(roots);
  return "";
}

/// Parses the file with Python's XML parser when /usr/bin/python3 exists (an independent check).
void check_python_parses(const std::string& path) {
  if (!fs::exists("/usr/bin/python3")) return;
  std::string cmd =
      "/usr/bin/python3 -c 'import sys, xml.dom.minidom as m; "
      "d = m.parse(sys.argv[1]); sys.exit(d.documentElement.tagName != \"svg\")' '" +
      path + "'";
  CHECK(std::system(cmd.c_str()) == 0);
}

void check_svg(const std::string& svg) {
  INFO(svg.substr(0, 300));
  CHECK(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\"", 0) == 0);
  CHECK(svg.find("viewBox=\"0 0 ") != std::string::npos);
  CHECK(svg.size() >= 7);
  CHECK(svg.substr(svg.size() - 7) == "</svg>\n");
  CHECK(xml_problem(svg) == "");
  std::string l = lower(svg);
  CHECK(l.find("nan") == std::string::npos);
  CHECK(l.find("inf") == std::string::npos);
}
}  // namespace

TEST_CASE("nice ticks and tick labels", "[core]") {
  auto t = core::nice_ticks(0, 1, 6);
  REQUIRE(t.size() == 6);
  for (std::size_t i = 0; i < t.size(); ++i) CHECK(t[i] == Approx(0.2 * static_cast<double>(i)).margin(1e-12));
  t = core::nice_ticks(-3.7, 12.2, 6);  // step 5 (raw 3.18)
  CHECK(t.front() == -5);
  CHECK(t.back() == 15);
  CHECK(t.size() == 5);
  CHECK(core::nice_ticks(2, 2).size() == 1);
  CHECK(core::nice_ticks(kNaN, 1).empty());
  CHECK(core::format_tick(0.30000000000000004, 0.1) == "0.3");
  CHECK(core::format_tick(-1e-17, 0.2) == "0");
  CHECK(core::format_tick(1500, 500) == "1500");
  CHECK(core::format_tick(-2.5, 0.5) == "-2.5");
  CHECK(core::format_tick(1e6, 1e6) == "1e6");
  CHECK(core::format_tick(2.5e6, 5e5) == "2.5e6");
  CHECK(core::format_tick(1e-4, 1e-4) == "1e-4");
  CHECK(core::format_tick(0.01, 0.01) == "0.01");
}

TEST_CASE("line chart: one path per series, escaped text, known tick labels, NaN skipped", "[core]") {
  core::PlotSeries train{"train <loss>", {0, 0.25, 0.5, 0.75, 1.0}, {100, 60, kNaN, 30, 20}};
  core::PlotSeries valid{"valid & test", {0, 0.25, 0.5, 0.75, 1.0}, {90, 50, kInf, 40, 35}};
  valid.dashed = true;
  core::ChartOptions o;
  o.title = "Loss < 1 & \"quoted\"";
  o.x_label = "epoch";
  o.y_label = "loss";
  std::string svg = core::line_chart({train, valid}, o);
  check_svg(svg);
  CHECK(count(svg, "<path") == 2);
  CHECK(svg.find("Loss &lt; 1 &amp; &quot;quoted&quot;") != std::string::npos);
  CHECK(svg.find("Loss < 1") == std::string::npos);
  CHECK(svg.find("train &lt;loss&gt;") != std::string::npos);
  // The NaN point breaks the train line into two runs: "M.. L.. M.. L.."
  std::size_t p = svg.find("<path d=\"");
  std::string d = svg.substr(p, svg.find('"', p + 9) - p);
  CHECK(count(d, "M") == 2);
  // x in [0, 1] → 0, 0.2, ..., 1; y in [20, 100] → 20, 40, ..., 100.
  for (const char* label : {">0</text>", ">0.2</text>", ">0.4</text>", ">0.6</text>", ">0.8</text>", ">1</text>",
                            ">20</text>", ">60</text>", ">100</text>"})
    CHECK(svg.find(label) != std::string::npos);
  CHECK(svg.find("epoch") != std::string::npos);
  CHECK(svg.find("rotate(-90)") != std::string::npos);
}

TEST_CASE("line chart with log y, fixed ranges and diagonal (ROC curve)", "[core]") {
  core::PlotSeries s{"lr", {1, 2, 3, 4, 5}, {100, 0, -3, 0.5, 0.01}};
  core::ChartOptions o;
  o.log_y = true;
  std::string svg = core::line_chart({s}, o);
  check_svg(svg);
  for (const char* label : {">0.01</text>", ">0.1</text>", ">1</text>", ">10</text>", ">100</text>"})
    CHECK(svg.find(label) != std::string::npos);

  core::PlotSeries roc{"model (AUC 0.83)", {0, 0.1, 0.3, 1}, {0, 0.6, 0.9, 1}};
  core::ChartOptions r;
  r.x_min = r.y_min = 0.0;
  r.x_max = r.y_max = 1.0;
  r.diagonal = true;
  svg = core::line_chart({roc}, r);
  check_svg(svg);
  CHECK(count(svg, "class=\"diagonal\"") == 1);
  CHECK(svg.find(">1</text>") != std::string::npos);
  CHECK(svg.find(">1.2</text>") == std::string::npos);  // fixed ends are not extended
}

TEST_CASE("single points, constant and empty series draw without NaN", "[core]") {
  core::ChartOptions o;
  std::string one = core::line_chart({{"one", {3}, {7}}}, o);
  check_svg(one);
  CHECK(count(one, "<path") == 0);
  CHECK(count(one, "<circle") == 1);
  std::string flat = core::line_chart({{"flat", {0, 1, 2}, {5, 5, 5}}, {"vertical", {2, 2}, {1, 9}}}, o);
  check_svg(flat);
  CHECK(count(flat, "<path") == 2);
  std::string none = core::line_chart({{"nothing", {kNaN, 1}, {1, kNaN}}}, o);
  check_svg(none);
  check_svg(core::line_chart({}, o));
  check_svg(core::scatter_chart({{"", {0}, {0}}}, o));
  check_svg(core::scatter_chart({{"huge", {-1e300, 1e300}, {1e300, -1e300}}}, o));
  CHECK_THROWS_AS(core::line_chart({{"bad", {1, 2}, {1}}}, o), core::UsageError);
}

TEST_CASE("scatter chart: parity plot with diagonal and annotation", "[core]") {
  core::PlotSeries test{"test", {1.0, 2.0, 3.0, kNaN, 4.5}, {1.2, 1.8, 3.3, 2.0, kInf}};
  core::ChartOptions o;
  o.title = "ESOL parity";
  o.x_label = "measured logS";
  o.y_label = "predicted logS";
  o.diagonal = true;
  o.annotation = "RMSE 0.61, R² 0.89\nn = 3";
  std::string svg = core::scatter_chart({test}, o);
  check_svg(svg);
  CHECK(count(svg, "<circle") == 3 + 1);  // three finite points + the legend swatch
  CHECK(count(svg, "class=\"diagonal\"") == 1);
  CHECK(svg.find(">RMSE 0.61, R² 0.89</text>") != std::string::npos);
  CHECK(svg.find(">n = 3</text>") != std::string::npos);
}

TEST_CASE("histogram: bins, bars and overlays", "[core]") {
  core::Bins b = core::make_bins({0.0, 0.1, 0.5, 0.9, 1.0, kNaN}, 4);
  REQUIRE(b.edges.size() == 5);
  CHECK(b.edges.front() == 0.0);
  CHECK(b.edges.back() == 1.0);
  CHECK(b.counts == std::vector<double>{2, 0, 1, 2});  // 1.0 lands in the last, closed bin
  core::Bins c = core::make_bins({3, 3, 3}, 2);
  CHECK(c.edges == std::vector<double>{2.5, 3, 3.5});
  CHECK(c.counts == std::vector<double>{0, 3});

  core::ChartOptions o;
  o.title = "score distribution";
  std::string svg = core::histogram(b.edges, b.counts, o);
  check_svg(svg);
  CHECK(count(svg, "<rect") == 3 + 3);  // three non-empty bins + background, frame, clip rectangle
  core::Bins decoys = core::make_bins({0.1, 0.2, 0.2, 0.3}, 4, 0, 1);
  svg = core::histogram(b.edges, {{"actives", b.counts, ""}, {"decoys", decoys.counts, ""}}, o);
  check_svg(svg);
  CHECK(svg.find("actives") != std::string::npos);
  CHECK_THROWS_AS(core::histogram({0, 1}, std::vector<double>{1, 2}, o), core::UsageError);
  CHECK_THROWS_AS(core::histogram({1, 0}, std::vector<double>{1}, o), core::UsageError);
}

TEST_CASE("xml_escape drops control characters and repairs invalid UTF-8", "[core]") {
  CHECK(core::xml_escape("a<b>&'\"") == "a&lt;b&gt;&amp;&apos;&quot;");
  CHECK(core::xml_escape(std::string("x\x01y\tz", 5)) == "xy\tz");
  CHECK(core::xml_escape("R² Å 😀") == "R² Å 😀");
  CHECK(core::xml_escape("bad\xff\xc3") == "bad??");
  CHECK(core::xml_escape("\xed\xa0\x80") == "???");  // UTF-16 surrogate encoded as UTF-8
}

TEST_CASE("write_svg publishes atomically and the file parses as XML", "[core]") {
  testing::TempDir dir;
  std::string path = dir.file("curve.svg");
  core::ChartOptions o;
  o.title = "a < b & c";
  o.annotation = "AUC 0.91";
  std::string svg = core::line_chart({{"x", {0, 1, 2}, {0, 1, 4}}}, o);
  core::write_svg(path, svg);
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  CHECK(ss.str() == svg);
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    ++n;
    CHECK(e.path().filename() == "curve.svg");
  }
  CHECK(n == 1);
  check_python_parses(path);
  core::write_svg(dir.file("hist.svg"), core::histogram({0, 1, 2}, std::vector<double>{3, 4}, o));
  check_python_parses(dir.file("hist.svg"));
  CHECK_THROWS_AS(core::write_svg(dir.file("missing/dir/x.svg"), svg), core::UsageError);
}
