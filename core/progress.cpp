#include "core/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

#include "core/log.h"

namespace hitforge::core {

std::string format_count(std::uint64_t n) {
  std::string digits = std::to_string(n), out;
  int k = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it, ++k) {
    if (k && k % 3 == 0) out.insert(out.begin(), ',');
    out.insert(out.begin(), *it);
  }
  return out;
}

std::string format_rate(double r) {
  char buf[32];
  if (r >= 1e6) std::snprintf(buf, sizeof buf, "%.2fM", r / 1e6);
  else if (r >= 1e3) std::snprintf(buf, sizeof buf, "%.1fk", r / 1e3);
  else std::snprintf(buf, sizeof buf, "%.0f", r);
  return buf;
}

std::string format_duration(double s) {
  if (!std::isfinite(s) || s < 0) return "?";
  auto t = static_cast<long>(s + 0.5);
  char buf[32];
  if (t >= 3600) std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
  else std::snprintf(buf, sizeof buf, "%ld:%02ld", t / 60, t % 60);
  return buf;
}

ProgressBar::ProgressBar(std::uint64_t total, ProgressOptions options)
    : opt_(std::move(options)), total_(total), start_(Clock::now()) {
  tty_ = opt_.force_tty >= 0 ? opt_.force_tty == 1 : ::isatty(STDERR_FILENO) == 1;
  if (!log_enabled(LogLevel::info)) opt_.enabled = false;
  // First plain line after one interval; first TTY redraw immediately.
  next_draw_ns_ = tty_ ? 0 : static_cast<std::int64_t>(opt_.interval_s * 1e9);
}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::add(std::uint64_t n) {
  count_.fetch_add(n, std::memory_order_relaxed);
  if (!opt_.enabled) return;
  auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start_).count();
  if (now_ns >= next_draw_ns_.load(std::memory_order_relaxed)) maybe_draw(false);
}

std::string ProgressBar::render(double elapsed) const {
  std::uint64_t done = count(), total = total_.load();
  double rate = elapsed > 0 ? done / elapsed : 0.0;
  std::string s = opt_.label + " ";
  if (total > 0) {
    char pct[16];
    std::snprintf(pct, sizeof pct, "%5.1f%% ", 100.0 * done / total);
    if (tty_) {
      const int width = 24;
      int filled = static_cast<int>(width * std::min(1.0, double(done) / total));
      s += "[" + std::string(filled, '#') + std::string(width - filled, '.') + "] ";
    }
    s += pct + format_count(done) + "/" + format_count(total);
  } else {
    s += format_count(done);
  }
  s += " " + format_rate(rate) + " " + opt_.unit + "/s";
  if (total > 0 && rate > 0 && done < total) s += " ETA " + format_duration((total - done) / rate);
  else s += " elapsed " + format_duration(elapsed);
  return s;
}

void ProgressBar::maybe_draw(bool final) {
  std::unique_lock<std::mutex> lock(draw_mutex_, std::defer_lock);
  if (final) lock.lock();
  else if (!lock.try_lock()) return;
  if (finished_) return;
  auto now = Clock::now();
  double elapsed = std::chrono::duration<double>(now - start_).count();
  auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now - start_).count();
  next_draw_ns_ = now_ns + static_cast<std::int64_t>(tty_ ? 1e8 : opt_.interval_s * 1e9);
  std::string line = render(elapsed);
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final ? "\n" : "");
    std::fflush(stderr);
  } else {
    log_info(line);
  }
  if (final) finished_ = true;
}

void ProgressBar::finish() {
  if (opt_.enabled) maybe_draw(true);
  finished_ = true;
}

}  // namespace hitforge::core
