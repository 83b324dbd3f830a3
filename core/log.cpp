#include "core/log.h"

#include <atomic>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "core/error.h"

namespace hitforge::core {
namespace {
std::atomic<int> g_level{static_cast<int>(LogLevel::info)};
std::mutex g_mutex;
const char* level_name(LogLevel l) {
  switch (l) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
    default: return "";
  }
}
}  // namespace

LogLevel parse_log_level(std::string_view name) {
  for (LogLevel l : {LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error, LogLevel::off}) {
    if (name == (l == LogLevel::off ? "off" : level_name(l))) return l;
  }
  throw UsageError(str_cat("unknown log level '", name, "' (use debug, info, warn, error or off)"));
}

void set_log_level(LogLevel level) { g_level = static_cast<int>(level); }
LogLevel log_level() { return static_cast<LogLevel>(g_level.load()); }
bool log_enabled(LogLevel level) { return static_cast<int>(level) >= g_level.load() && level != LogLevel::off; }

void log(LogLevel level, std::string_view message) {
  if (!log_enabled(level)) return;
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char ts[16];
  std::strftime(ts, sizeof ts, "%H:%M:%S", &tm);
  std::lock_guard<std::mutex> lock(g_mutex);
  std::fprintf(stderr, "[hitforge %s] %s: %.*s\n", ts, level_name(level), static_cast<int>(message.size()),
               message.data());
  std::fflush(stderr);
}

}  // namespace hitforge::core
