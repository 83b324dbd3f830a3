#include "serve/json_limits.h"

#include "core/error.h"
#include "serve/http_types.h"

namespace hitforge::serve {

std::size_t json_depth(std::string_view text, std::size_t stop_after) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > stop_after) return deepest;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

nlohmann::json parse_json_body(std::string_view text, const JsonLimits& limits) {
  if (json_depth(text, limits.max_depth) > limits.max_depth)
    throw HttpError(400, "json_too_deep", core::str_cat("JSON nesting deeper than ", limits.max_depth, " levels"));
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    throw HttpError(400, "invalid_json", core::str_cat("request body is not valid JSON (near byte ", e.byte, ")"));
  }
}

}  // namespace hitforge::serve
