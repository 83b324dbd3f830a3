#pragma once
// Parsing untrusted JSON request bodies. nlohmann::json parses a 100,000-deep array without trouble but copying,
// dumping or destroying such a document recurses once per level and overflows the stack (../shared/NOTES.md), so the
// nesting depth is measured on the raw text first, with a loop, before any document exists.
#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

namespace hitforge::serve {

struct JsonLimits {
  std::size_t max_depth = 64;  ///< nesting of arrays/objects; a recipe needs ~6
};

/// Deepest array/object nesting in `text`, scanning until it passes `stop_after` (so the cost is bounded by the text
/// length, never by the depth). Brackets inside strings (with escapes) do not count. Not a validator.
std::size_t json_depth(std::string_view text, std::size_t stop_after);

/// Parses a request body: HttpError 400 "invalid_json" for malformed text (the message gives the byte offset, not
/// the parser's text), "json_too_deep" past `limits.max_depth`.
nlohmann::json parse_json_body(std::string_view text, const JsonLimits& limits = {});

}  // namespace hitforge::serve
