#include "serve/metrics.h"

#include <cstdio>

namespace hitforge::serve {

namespace {
std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}
}  // namespace

std::string prometheus_label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\', out += c;
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

void Metrics::observe_request(const std::string& method, const std::string& route, int status, double seconds) {
  // Label values come from a fixed set (route patterns, known methods), so clients cannot grow the series count.
  static const char* known[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  std::string m = "other";
  for (const char* k : known)
    if (method == k) m = k;
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{route, m, status}];
  Histogram& h = latency_[route];
  for (std::size_t b = 0; b < kBuckets.size(); ++b)
    if (seconds <= kBuckets[b]) ++h.buckets[b];
  ++h.count;
  h.sum += seconds;
}

void Metrics::add_molecules(const std::string& origin, const std::string& status, std::int64_t n) {
  if (n == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  molecules_[{origin, status}] += n;
}

void Metrics::add_gauge(std::string name, std::string help, GaugeFn fn) {
  std::lock_guard<std::mutex> lock(mu_);
  gauges_.push_back({std::move(name), std::move(help), std::move(fn)});
}

std::string Metrics::render() const {
  std::vector<Gauge> gauges;
  std::string out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    gauges = gauges_;
    out += "# HELP hitforge_http_requests_total HTTP requests answered, by route pattern, method and status.\n";
    out += "# TYPE hitforge_http_requests_total counter\n";
    for (const auto& [key, n] : requests_) {
      const auto& [route, method, status] = key;
      out += "hitforge_http_requests_total{route=\"" + prometheus_label(route) + "\",method=\"" +
             prometheus_label(method) + "\",status=\"" + std::to_string(status) + "\"} " + std::to_string(n) + "\n";
    }
    out += "# HELP hitforge_http_request_duration_seconds Time from request parsed to response ready, by route.\n";
    out += "# TYPE hitforge_http_request_duration_seconds histogram\n";
    for (const auto& [route, h] : latency_) {
      const std::string r = "route=\"" + prometheus_label(route) + "\"";
      for (std::size_t b = 0; b < kBuckets.size(); ++b)
        out += "hitforge_http_request_duration_seconds_bucket{" + r + ",le=\"" + num(kBuckets[b]) + "\"} " +
               std::to_string(h.buckets[b]) + "\n";
      out += "hitforge_http_request_duration_seconds_bucket{" + r + ",le=\"+Inf\"} " + std::to_string(h.count) + "\n";
      out += "hitforge_http_request_duration_seconds_sum{" + r + "} " + num(h.sum) + "\n";
      out += "hitforge_http_request_duration_seconds_count{" + r + "} " + std::to_string(h.count) + "\n";
    }
    out += "# HELP hitforge_molecules_scored_total Molecules scored, by origin (sync, campaign) and status.\n";
    out += "# TYPE hitforge_molecules_scored_total counter\n";
    for (const char* origin : {"sync", "campaign"})
      for (const char* status : {"ok", "invalid", "filtered"}) {
        auto it = molecules_.find({origin, status});
        out += std::string("hitforge_molecules_scored_total{origin=\"") + origin + "\",status=\"" + status + "\"} " +
               std::to_string(it == molecules_.end() ? 0 : it->second) + "\n";
      }
  }
  // Gauges run outside the lock: they may query the store.
  for (const auto& g : gauges) {
    out += "# HELP " + g.name + " " + g.help + "\n# TYPE " + g.name + " gauge\n";
    for (const auto& [labels, value] : g.fn())
      out += g.name + (labels.empty() ? "" : "{" + labels + "}") + " " + num(value) + "\n";
  }
  return out;
}

}  // namespace hitforge::serve
