#include "serve/multipart.h"

#include <algorithm>
#include <cctype>

#include "serve/http_types.h"

namespace hitforge::serve {

namespace {
std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Value of `key` in a header parameter list ("form-data; name=\"library\"; filename=\"a.smi\"").
std::string header_param(std::string_view header, const std::string& key) {
  std::size_t pos = 0;
  while (pos < header.size()) {
    std::size_t semi = header.find(';', pos);
    std::string_view item = trim(header.substr(pos, semi == std::string_view::npos ? header.npos : semi - pos));
    pos = semi == std::string_view::npos ? header.size() : semi + 1;
    auto eq = item.find('=');
    if (eq == std::string_view::npos || lower(trim(item.substr(0, eq))) != key) continue;
    std::string_view v = trim(item.substr(eq + 1));
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    return std::string(v);
  }
  return {};
}

[[noreturn]] void broken(const char* why) { throw HttpError(400, "invalid_multipart", why); }
}  // namespace

std::string multipart_boundary(const std::string& content_type) {
  if (lower(content_type).rfind("multipart/form-data", 0) != 0) return {};
  std::string b = header_param(content_type, "boundary");
  return b.size() <= 70 ? b : std::string();  // RFC 2046 limit
}

std::vector<FormPart> parse_multipart(std::string_view body, const std::string& boundary) {
  if (boundary.empty()) broken("multipart body without a boundary");
  const std::string delim = "--" + boundary;
  std::vector<FormPart> parts;
  std::size_t pos = body.find(delim);
  if (pos == std::string_view::npos) broken("multipart body without its boundary");
  for (;;) {
    pos += delim.size();
    if (body.substr(pos, 2) == "--") return parts;  // closing delimiter
    if (body.substr(pos, 2) != "\r\n") broken("malformed multipart delimiter line");
    pos += 2;
    const std::size_t head_end = body.find("\r\n\r\n", pos);
    if (head_end == std::string_view::npos) broken("multipart part without a header end");
    FormPart part;
    std::string_view head = body.substr(pos, head_end - pos);
    while (!head.empty()) {
      std::size_t eol = head.find("\r\n");
      std::string_view line = head.substr(0, eol);
      head = eol == std::string_view::npos ? std::string_view() : head.substr(eol + 2);
      auto colon = line.find(':');
      if (colon == std::string_view::npos) broken("malformed multipart part header");
      const std::string name = lower(trim(line.substr(0, colon)));
      std::string_view value = trim(line.substr(colon + 1));
      if (name == "content-disposition") {
        part.name = header_param(value, "name");
        part.filename = header_param(value, "filename");
      } else if (name == "content-type") {
        part.content_type = std::string(value);
      } else if (name == "content-transfer-encoding" || name == "content-encoding") {
        if (lower(value) != "binary" && lower(value) != "8bit" && lower(value) != "7bit" && lower(value) != "identity")
          broken("encoded multipart parts are not accepted");
      }
    }
    const std::size_t data_start = head_end + 4;
    const std::size_t next = body.find("\r\n" + delim, data_start);
    if (next == std::string_view::npos) broken("multipart body is truncated");
    part.data = body.substr(data_start, next - data_start);
    parts.push_back(std::move(part));
    if (parts.size() > 32) broken("too many multipart parts");
    pos = next + 2;
  }
}

}  // namespace hitforge::serve
