#pragma once
// multipart/form-data bodies (RFC 7578), as browsers and `curl -F` send file uploads. The whole body is already in
// memory (bounded by the route's body limit); parts are returned as views into it.
#include <string>
#include <string_view>
#include <vector>

namespace hitforge::serve {

struct FormPart {
  std::string name, filename, content_type;
  std::string_view data;
};

/// The boundary parameter of a multipart/form-data Content-Type; "" when the type is something else.
std::string multipart_boundary(const std::string& content_type);
/// Splits `body` into parts. HttpError 400 "invalid_multipart" when the structure is broken.
std::vector<FormPart> parse_multipart(std::string_view body, const std::string& boundary);

}  // namespace hitforge::serve
