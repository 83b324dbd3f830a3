#pragma once
// Process-wide logging to stderr: "[hitforge 09:41:02] warn: message". Thread-safe; one line per call.
#include <string>
#include <string_view>

namespace hitforge::core {

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3, off = 4 };

/// Parses "debug|info|warn|error|off"; throws UsageError otherwise.
LogLevel parse_log_level(std::string_view name);
void set_log_level(LogLevel level);
LogLevel log_level();
bool log_enabled(LogLevel level);
void log(LogLevel level, std::string_view message);

inline void log_debug(std::string_view m) { log(LogLevel::debug, m); }
inline void log_info(std::string_view m) { log(LogLevel::info, m); }
inline void log_warn(std::string_view m) { log(LogLevel::warn, m); }
inline void log_error(std::string_view m) { log(LogLevel::error, m); }

}  // namespace hitforge::core
