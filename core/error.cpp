#include "core/error.h"

namespace hitforge::core {

InternalError::InternalError(const std::string& msg, const char* file, int line)
    : std::logic_error(str_cat("internal error at ", file, ":", line, ": ", msg)) {}

void throw_internal(const std::string& msg, const char* file, int line) {
  throw InternalError(msg, file, line);
}

}  // namespace hitforge::core
