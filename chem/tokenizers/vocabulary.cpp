#include "chem/tokenizers/vocabulary.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/error.h"

namespace hitforge::chem {
namespace {

constexpr const char* kFormat = "hitforge.vocabulary";
constexpr int kVersion = 1;

// nlohmann::json parses very deep documents fine but copying or dumping them overflows the stack
// (shared/NOTES.md); a vocabulary is two levels deep, so anything deeper is rejected before parsing.
bool json_depth_at_most(const std::string& text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        return false;
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

}  // namespace

Vocabulary::Vocabulary() {
  for (std::string_view s : {kPadToken, kBosToken, kEosToken, kUnkToken}) {
    add(s);
  }
}

Vocabulary Vocabulary::from_counts(const std::unordered_map<std::string, std::size_t>& counts, std::size_t min_count,
                                   std::size_t max_size) {
  Vocabulary v;
  std::vector<std::pair<std::string, std::size_t>> items;
  items.reserve(counts.size());
  for (const auto& [tok, n] : counts) {
    if (n < min_count || tok.empty() || v.contains(tok)) {
      continue;
    }
    items.emplace_back(tok, n);
  }
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  for (const auto& item : items) {
    if (max_size > 0 && v.size() >= max_size) {
      break;
    }
    v.add(item.first);
  }
  return v;
}

Vocabulary Vocabulary::build(const std::vector<std::vector<std::string>>& token_streams, std::size_t min_count,
                             std::size_t max_size) {
  std::unordered_map<std::string, std::size_t> counts;
  for (const auto& stream : token_streams) {
    for (const auto& tok : stream) {
      ++counts[tok];
    }
  }
  return from_counts(counts, min_count, max_size);
}

std::int64_t Vocabulary::add(std::string_view token) {
  HITFORGE_REQUIRE(!token.empty(), "vocabulary tokens must be non-empty");
  std::string key(token);
  const auto it = ids_.find(key);
  if (it != ids_.end()) {
    return it->second;
  }
  const auto new_id = static_cast<std::int64_t>(tokens_.size());
  tokens_.push_back(key);
  ids_.emplace(std::move(key), new_id);
  return new_id;
}

std::int64_t Vocabulary::id(std::string_view token) const {
  const auto it = ids_.find(std::string(token));
  return it == ids_.end() ? kUnk : it->second;
}

bool Vocabulary::contains(std::string_view token) const {
  return ids_.count(std::string(token)) > 0;
}

const std::string& Vocabulary::token(std::int64_t id) const {
  HITFORGE_REQUIRE(id >= 0 && static_cast<std::size_t>(id) < tokens_.size(), "token id ", id,
                   " outside the vocabulary of size ", tokens_.size());
  return tokens_[static_cast<std::size_t>(id)];
}

std::vector<std::int64_t> Vocabulary::encode(const std::vector<std::string>& tokens, bool add_bos_eos) const {
  std::vector<std::int64_t> ids;
  ids.reserve(tokens.size() + (add_bos_eos ? 2 : 0));
  if (add_bos_eos) {
    ids.push_back(kBos);
  }
  for (const auto& t : tokens) {
    ids.push_back(id(t));
  }
  if (add_bos_eos) {
    ids.push_back(kEos);
  }
  return ids;
}

std::vector<std::string> Vocabulary::decode(const std::vector<std::int64_t>& ids) const {
  std::vector<std::string> out;
  out.reserve(ids.size());
  for (const std::int64_t i : ids) {
    const std::string& tok = token(i);  // range-checks every id up to the first <eos>
    if (i == kEos) {
      break;
    }
    if (i == kPad || i == kBos) {
      continue;
    }
    out.push_back(tok);
  }
  return out;
}

std::string Vocabulary::decode_string(const std::vector<std::int64_t>& ids) const {
  std::string out;
  for (const auto& t : decode(ids)) {
    out += t;
  }
  return out;
}

nlohmann::json Vocabulary::to_json() const {
  return nlohmann::json{{"format", kFormat}, {"version", kVersion}, {"tokens", tokens_}};
}

Vocabulary Vocabulary::from_json(const nlohmann::json& j) {
  HITFORGE_REQUIRE(j.is_object(), "vocabulary JSON must be an object");
  const auto fmt = j.find("format");
  HITFORGE_REQUIRE(fmt != j.end() && fmt->is_string() && fmt->get<std::string>() == kFormat,
                   "not a vocabulary: \"format\" must be \"", kFormat, "\"");
  const auto ver = j.find("version");
  HITFORGE_REQUIRE(ver != j.end() && ver->is_number_integer() && ver->get<int>() == kVersion,
                   "unsupported vocabulary version (expected ", kVersion, ")");
  const auto toks = j.find("tokens");
  HITFORGE_REQUIRE(toks != j.end() && toks->is_array(), "vocabulary JSON needs a \"tokens\" array");
  HITFORGE_REQUIRE(toks->size() >= kNumSpecials, "vocabulary has ", toks->size(), " tokens, fewer than the ",
                   kNumSpecials, " specials");
  Vocabulary v;
  for (std::size_t i = 0; i < toks->size(); ++i) {
    const auto& t = (*toks)[i];
    HITFORGE_REQUIRE(t.is_string(), "vocabulary token ", i, " is not a string");
    const auto& s = t.get_ref<const std::string&>();
    if (i < kNumSpecials) {
      HITFORGE_REQUIRE(s == v.tokens_[i], "vocabulary token ", i, " is '", s, "', expected the special '", v.tokens_[i],
                       "'");
      continue;
    }
    HITFORGE_REQUIRE(!s.empty(), "vocabulary token ", i, " is empty");
    HITFORGE_REQUIRE(!v.contains(s), "vocabulary token '", s, "' appears twice");
    v.add(s);
  }
  return v;
}

void Vocabulary::save(const std::string& path) const {
  core::write_file_atomic(path, to_json().dump(1) + "\n");
}

Vocabulary Vocabulary::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  HITFORGE_REQUIRE(in, "cannot open vocabulary file '", path, "'");
  std::ostringstream buf;
  buf << in.rdbuf();
  HITFORGE_REQUIRE(!in.bad(), "cannot read vocabulary file '", path, "'");
  const std::string text = buf.str();
  HITFORGE_REQUIRE(json_depth_at_most(text, 4), "'", path, "' is not a vocabulary (JSON nested too deeply)");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw core::UsageError(core::str_cat("'", path, "' is not valid JSON: ", e.what()));
  }
  try {
    return from_json(j);
  } catch (const core::UsageError& e) {
    throw core::UsageError(core::str_cat("'", path, "': ", e.what()));
  }
}

}  // namespace hitforge::chem
