#pragma once
// Error taxonomy, handled at the edges (CLI prints one line and exits non-zero; HTTP answers JSON).
//   UsageError    — the user's input is wrong (bad flag, unreadable file, malformed record). Message is for humans.
//   InternalError — a broken invariant, i.e. a bug in hitforge. Carries file:line.
#include <sstream>
#include <stdexcept>
#include <string>

namespace hitforge::core {

class UsageError : public std::runtime_error {
 public:
  explicit UsageError(const std::string& msg) : std::runtime_error(msg) {}
};

class InternalError : public std::logic_error {
 public:
  InternalError(const std::string& msg, const char* file, int line);
};

[[noreturn]] void throw_internal(const std::string& msg, const char* file, int line);

namespace detail {
inline void append(std::ostringstream&) {}
template <class T, class... R>
void append(std::ostringstream& os, const T& v, const R&... rest) {
  os << v;
  append(os, rest...);
}
}  // namespace detail

/// Concatenates any streamable values into one string: str_cat("row ", 3, ": ", reason).
template <class... A>
std::string str_cat(const A&... a) {
  std::ostringstream os;
  detail::append(os, a...);
  return os.str();
}

}  // namespace hitforge::core

/// Internal invariant: throws InternalError with file/line when `cond` is false.
#define HITFORGE_CHECK(cond, ...)                                                                  \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      ::hitforge::core::throw_internal(                                                            \
          ::hitforge::core::str_cat("check failed: " #cond " — ", ##__VA_ARGS__), __FILE__, __LINE__); \
  } while (0)

/// User-facing precondition: throws UsageError with the message when `cond` is false.
#define HITFORGE_REQUIRE(cond, ...)                                                    \
  do {                                                                                 \
    if (!(cond)) throw ::hitforge::core::UsageError(::hitforge::core::str_cat(__VA_ARGS__)); \
  } while (0)
