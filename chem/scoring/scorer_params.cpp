#include "chem/scoring/scorer_params.h"

#include "core/error.h"
#include "core/text.h"

namespace hitforge::chem::scoring_detail {

using core::str_cat;
using core::UsageError;

namespace {

const nlohmann::json* find(const nlohmann::json& params, const std::string& key) {
  const auto it = params.find(key);
  return it == params.end() ? nullptr : &*it;
}

[[noreturn]] void bad_type(const nlohmann::json& params, const std::string& key, const char* expected,
                           const nlohmann::json& value) {
  throw UsageError(str_cat("scorer '", scorer_name(params), "': parameter '", key, "' must be ", expected, ", got ",
                           value.type_name()));
}

}  // namespace

std::string scorer_name(const nlohmann::json& params) {
  if (!params.is_object()) return "";
  const auto* v = find(params, "name");
  return v && v->is_string() ? v->get<std::string>() : "";
}

void check_keys(const nlohmann::json& params, const std::vector<std::string>& allowed) {
  HITFORGE_REQUIRE(params.is_object(), "scorer parameters must be a JSON object, got ", params.type_name());
  for (const auto& item : params.items()) {
    if (item.key() == "name") continue;
    bool known = false;
    for (const auto& a : allowed) known = known || a == item.key();
    if (known) continue;
    throw UsageError(
        str_cat("scorer '", scorer_name(params), "' has no parameter '", item.key(), "'",
                allowed.empty() ? std::string(" (it takes none)") : " (known: " + core::join(allowed) + ")"));
  }
}

std::string get_string(const nlohmann::json& params, const std::string& key, const std::string& fallback) {
  const auto* v = find(params, key);
  if (!v) return fallback;
  if (!v->is_string()) bad_type(params, key, "a string", *v);
  return v->get<std::string>();
}

double get_number(const nlohmann::json& params, const std::string& key, double fallback) {
  const auto* v = find(params, key);
  if (!v) return fallback;
  if (!v->is_number()) bad_type(params, key, "a number", *v);
  return v->get<double>();
}

int get_int(const nlohmann::json& params, const std::string& key, int fallback) {
  const auto* v = find(params, key);
  if (!v) return fallback;
  if (!v->is_number_integer()) bad_type(params, key, "an integer", *v);
  const auto x = v->get<long long>();
  HITFORGE_REQUIRE(x >= -2147483647LL && x <= 2147483647LL, "scorer '", scorer_name(params), "': parameter '", key,
                   "' is out of range");
  return static_cast<int>(x);
}

std::vector<std::string> get_string_list(const nlohmann::json& params, const std::string& key) {
  const auto* v = find(params, key);
  if (!v) return {};
  if (!v->is_array()) bad_type(params, key, "an array of strings", *v);
  std::vector<std::string> out;
  out.reserve(v->size());
  for (std::size_t i = 0; i < v->size(); ++i) {
    const auto& e = (*v)[i];
    if (!e.is_string())
      throw UsageError(str_cat("scorer '", scorer_name(params), "': element ", i, " of '", key,
                               "' must be a string, got ", e.type_name()));
    out.push_back(e.get<std::string>());
  }
  return out;
}

}  // namespace hitforge::chem::scoring_detail
