#pragma once
// Progress reporting for long work. On a terminal (stderr is a TTY): a bar redrawn in place with count, rate and
// ETA. Otherwise (CI, log files, notebooks): one plain log line every `interval_s` seconds and one at the end.
// add() is thread-safe and cheap (one relaxed atomic add; a redraw at most every 100 ms, by whichever thread wins).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace hitforge::core {

struct ProgressOptions {
  std::string label = "working";
  std::string unit = "it";       ///< printed after the rate: "mol/s"
  double interval_s = 10.0;      ///< plain-line period when not on a terminal
  int force_tty = -1;            ///< -1: detect with isatty(stderr); 0/1 force (tests)
  bool enabled = true;           ///< false: silent (log level above info)
};

class ProgressBar {
 public:
  /// total = 0 means unknown (streaming input): shows count and rate, no percentage or ETA.
  explicit ProgressBar(std::uint64_t total, ProgressOptions options = {});
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void add(std::uint64_t n = 1);
  void set_total(std::uint64_t total) { total_.store(total, std::memory_order_relaxed); }
  /// Prints the final line (idempotent). Called by the destructor too.
  void finish();
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }

  /// The text of one status line, e.g. "featurise 45.0% 22,500/50,000 26.1k mol/s ETA 0:01" (exposed for tests).
  std::string render(double elapsed_s) const;

 private:
  void maybe_draw(bool final);
  using Clock = std::chrono::steady_clock;
  ProgressOptions opt_;
  bool tty_;
  std::atomic<std::uint64_t> total_;
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::int64_t> next_draw_ns_{0};
  Clock::time_point start_;
  std::mutex draw_mutex_;
  bool finished_ = false;
};

/// "1,234,567"
std::string format_count(std::uint64_t n);
/// "26.1k", "1.20M", "950"
std::string format_rate(double per_second);
/// "1:02:03" or "2:03"
std::string format_duration(double seconds);

}  // namespace hitforge::core
