#pragma once
// Small text helpers shared by the command line and the writers of CSV outputs.
#include <string>
#include <string_view>
#include <vector>

namespace hitforge::core {

/// Appends `field` to `line` as one CSV field (RFC 4180): quoted when it holds a comma, quote, line break or
/// leading/trailing space, with inner quotes doubled; as is otherwise.
void append_csv_field(std::string& line, std::string_view field);
/// `field` as one CSV field (see append_csv_field).
std::string csv_field(std::string_view field);
/// {"a", "b"} → "a, b" (for messages such as "known: a, b").
std::string join(const std::vector<std::string>& items, std::string_view sep = ", ");
/// "a,b,,c" → {"a", "b", "c"}: the non-empty items of a `sep`-separated list (command-line options).
std::vector<std::string> split_list(std::string_view text, char sep = ',');

}  // namespace hitforge::core
