#pragma once
// Prometheus text exposition (format 0.0.4) of the server's counters: requests by route/method/status, latency
// histograms per route, molecules scored by status and origin, plus gauges that are read when scraped (queue depth,
// campaigns by state). Thread-safe; one short mutex per observation (measured cost is far below a request's).
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace hitforge::serve {

class Metrics {
 public:
  /// Upper bounds of the latency buckets, seconds.
  static constexpr std::array<double, 14> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,    0.25,  0.5,    1.0,   2.5,   5.0,  10.0};

  void observe_request(const std::string& method, const std::string& route, int status, double seconds);
  /// `origin`: "sync" (predict/score) or "campaign"; `status`: "ok", "invalid", "filtered".
  void add_molecules(const std::string& origin, const std::string& status, std::int64_t n);

  /// A gauge family evaluated at scrape time: returns (label set text, value) pairs, e.g. {"state=\"running\"", 2}.
  using GaugeFn = std::function<std::vector<std::pair<std::string, double>>()>;
  void add_gauge(std::string name, std::string help, GaugeFn fn);

  /// The whole exposition text.
  std::string render() const;

 private:
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  struct Gauge {
    std::string name, help;
    GaugeFn fn;
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
  std::map<std::pair<std::string, std::string>, std::int64_t> molecules_;
  std::vector<Gauge> gauges_;
};

/// Escapes a Prometheus label value (backslash, quote, newline).
std::string prometheus_label(const std::string& value);

}  // namespace hitforge::serve
