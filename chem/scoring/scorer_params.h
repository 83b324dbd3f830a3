#pragma once
// Internal helpers for reading a scorer's JSON parameters ({"name": "...", key: value, ...}) with errors that name the
// scorer and the key. Used by each scorer's XxxParams::from_json; not part of the public scoring interface.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hitforge::chem::scoring_detail {

/// The "name" of a scorer's parameter object ("" when missing or not a string).
std::string scorer_name(const nlohmann::json& params);
/// Throws UsageError when `params` is not an object or holds a key other than "name" and `allowed`
/// (message: "scorer 'NAME': unknown parameter 'KEY' (known: ...)").
void check_keys(const nlohmann::json& params, const std::vector<std::string>& allowed);
/// Typed getters with a fallback for a missing key; UsageError naming scorer and key for a value of the wrong type.
std::string get_string(const nlohmann::json& params, const std::string& key, const std::string& fallback);
double get_number(const nlohmann::json& params, const std::string& key, double fallback);
int get_int(const nlohmann::json& params, const std::string& key, int fallback);
/// An array of strings; empty when the key is missing.
std::vector<std::string> get_string_list(const nlohmann::json& params, const std::string& key);

}  // namespace hitforge::chem::scoring_detail
