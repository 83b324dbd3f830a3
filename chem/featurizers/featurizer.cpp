#include "chem/featurizers/featurizer.h"

#include <charconv>

#include "chem/featurizers/atom_pair.h"
#include "chem/featurizers/descriptors.h"
#include "chem/featurizers/graph.h"
#include "chem/featurizers/maccs.h"
#include "chem/featurizers/morgan.h"
#include "chem/featurizers/smiles_tokens.h"
#include "core/error.h"
#include "core/text.h"

namespace hitforge::chem {

using core::str_cat;
using core::UsageError;

const char* to_string(FeatureKind kind) {
  switch (kind) {
    case FeatureKind::packed_bits:
      return "packed_bits";
    case FeatureKind::counts_u8:
      return "counts_u8";
    case FeatureKind::dense_f32:
      return "dense_f32";
    case FeatureKind::graph:
      return "graph";
    case FeatureKind::tokens:
      return "tokens";
  }
  return "unknown";
}

// ---- FeatureSpec ----

namespace {

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}
bool is_value_char(char c) {
  return is_word_char(c) || c == '.' || c == '+' || c == '-';
}

// Checks one name/key/value token; `what` names it in the message ("featuriser name", "key", "value of 'radius'").
void check_token(const std::string& text, const std::string& token, const std::string& what, bool value) {
  if (token.empty()) throw UsageError(str_cat("featuriser spec '", text, "': empty ", what));
  for (char c : token) {
    if (!(value ? is_value_char(c) : is_word_char(c))) {
      const bool printable = static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f;
      throw UsageError(str_cat("featuriser spec '", text, "': ", what, " '", token, "' contains ",
                               printable ? str_cat("'", c, "'") : std::string("a non-printable character"),
                               value ? " (allowed: letters, digits, _ . + -)" : " (allowed: letters, digits, _)"));
    }
  }
}

}  // namespace

FeatureSpec FeatureSpec::parse(const std::string& text) {
  FeatureSpec spec;
  const auto colon = text.find(':');
  spec.name = text.substr(0, colon);
  check_token(text, spec.name, "featuriser name", false);
  if (colon == std::string::npos) return spec;
  const std::string rest = text.substr(colon + 1);
  if (rest.empty()) throw UsageError(str_cat("featuriser spec '", text, "': expected key=value after ':'"));
  std::size_t pos = 0;
  while (pos <= rest.size()) {
    const auto comma = std::min(rest.find(',', pos), rest.size());
    const std::string part = rest.substr(pos, comma - pos);
    if (part.empty()) throw UsageError(str_cat("featuriser spec '", text, "': empty parameter (stray ',')"));
    const auto eq = part.find('=');
    if (eq == std::string::npos)
      throw UsageError(str_cat("featuriser spec '", text, "': parameter '", part, "' is not key=value"));
    const std::string key = part.substr(0, eq);
    const std::string value = part.substr(eq + 1);
    check_token(text, key, "parameter name", false);
    check_token(text, value, str_cat("value of '", key, "'"), true);
    if (!spec.params.emplace(key, value).second)
      throw UsageError(str_cat("featuriser spec '", text, "': parameter '", key, "' given twice"));
    pos = comma + 1;
  }
  return spec;
}

std::string FeatureSpec::str() const {
  std::string out = name;
  char sep = ':';
  for (const auto& [key, value] : params) {
    out += sep + key + "=" + value;
    sep = ',';
  }
  return out;
}

int FeatureSpec::get_int(const std::string& key, int fallback) const {
  const auto it = params.find(key);
  if (it == params.end()) return fallback;
  const std::string& v = it->second;
  int out = 0;
  const char* begin = v.data() + (!v.empty() && v[0] == '+' ? 1 : 0);  // from_chars rejects a leading '+'
  const auto [end, ec] = std::from_chars(begin, v.data() + v.size(), out);
  if (ec != std::errc() || end != v.data() + v.size() || begin == end)
    throw UsageError(str_cat("featuriser '", name, "': parameter '", key, "' must be an integer, got '", v, "'"));
  return out;
}

bool FeatureSpec::get_bool(const std::string& key, bool fallback) const {
  const auto it = params.find(key);
  if (it == params.end()) return fallback;
  const std::string& v = it->second;
  if (v == "1" || v == "true") return true;
  if (v == "0" || v == "false") return false;
  throw UsageError(str_cat("featuriser '", name, "': parameter '", key, "' must be 0 or 1, got '", v, "'"));
}

std::string FeatureSpec::get_string(const std::string& key, const std::string& fallback) const {
  const auto it = params.find(key);
  return it == params.end() ? fallback : it->second;
}

void FeatureSpec::check_keys(const std::vector<std::string>& allowed) const {
  for (const auto& kv : params) {
    bool known = false;
    for (const auto& a : allowed) known = known || a == kv.first;
    if (!known)
      throw UsageError(
          str_cat("featuriser '", name, "' has no parameter '", kv.first, "'",
                  allowed.empty() ? std::string(" (it takes none)") : " (known: " + core::join(allowed) + ")"));
  }
}

// ---- Featurizer defaults ----

std::size_t Featurizer::row_bytes() const {
  switch (kind()) {
    case FeatureKind::packed_bits:
      return (width() + 7) / 8;
    case FeatureKind::counts_u8:
      return width();
    case FeatureKind::dense_f32:
      return 4 * width();
    case FeatureKind::graph:
    case FeatureKind::tokens:
      return 0;
  }
  return 0;
}

void Featurizer::compute(const RDKit::ROMol&, std::uint8_t*) const {
  core::throw_internal(str_cat("featuriser ", name(), " has no fixed-width output"), __FILE__, __LINE__);
}

void Featurizer::compute_graph(const RDKit::ROMol&, MolGraph&) const {
  core::throw_internal(str_cat("featuriser ", name(), " has no graph output"), __FILE__, __LINE__);
}

void Featurizer::compute_tokens(const RDKit::ROMol&, std::string_view, std::vector<std::string>&) const {
  core::throw_internal(str_cat("featuriser ", name(), " has no token output"), __FILE__, __LINE__);
}

// ---- registry ----
// An explicit table rather than static-initialiser self-registration: the libraries are static archives, and the
// linker drops object files that nothing references, registrations included.

namespace {

struct RegistryEntry {
  const char* name;
  const char* description;
  FeaturizerPtr (*make)(const FeatureSpec&);
};

const RegistryEntry kRegistry[] = {
    {"morgan", "Morgan/ECFP bits, equal to RDKit GetMorganFingerprintAsBitVect (radius, bits, chiral, features)",
     [](const FeatureSpec& s) -> FeaturizerPtr {
       return std::make_unique<MorganFeaturizer>(MorganParams::from_spec(s), false);
     }},
    {"morgan_counts", "Morgan/ECFP counts (uint8, saturating), equal to RDKit GetHashedMorganFingerprint",
     [](const FeatureSpec& s) -> FeaturizerPtr {
       return std::make_unique<MorganFeaturizer>(MorganParams::from_spec(s), true);
     }},
    {"rdkit2d", "RDKit 2D descriptors (properties, MQNs, VSA bins, BCUT2D, AUTOCORR2D) as float32",
     [](const FeatureSpec& s) -> FeaturizerPtr {
       s.check_keys({});
       return std::make_unique<RDKit2DFeaturizer>();
     }},
    {"maccs", "166 MACCS keys (167 bits, bit 0 unused), equal to RDKit MACCSkeys.GenMACCSKeys",
     [](const FeatureSpec& s) -> FeaturizerPtr {
       s.check_keys({});
       return std::make_unique<MaccsFeaturizer>();
     }},
    {"atompair", "hashed atom-pair bits, equal to RDKit GetHashedAtomPairFingerprintAsBitVect (bits)",
     [](const FeatureSpec& s) -> FeaturizerPtr {
       return std::make_unique<AtomPairFeaturizer>(AtomPairParams::from_spec(s));
     }},
    {"graph", "molecular graph with chemprop-v1-style atom and bond features for message passing",
     [](const FeatureSpec& s) -> FeaturizerPtr {
       s.check_keys({});
       return std::make_unique<GraphFeaturizer>();
     }},
    {"smiles_tokens",
     "SMILES token ids (bracket atoms, Cl/Br, %nn as one token) with the vocabulary, for language models",
     [](const FeatureSpec& s) -> FeaturizerPtr {
       s.check_keys({});
       return std::make_unique<SmilesTokensFeaturizer>();
     }},
};

}  // namespace

FeaturizerPtr make_featurizer(const std::string& spec_text) {
  const FeatureSpec spec = FeatureSpec::parse(spec_text);
  for (const auto& entry : kRegistry)
    if (spec.name == entry.name) return entry.make(spec);
  std::vector<std::string> names;
  for (const auto& entry : kRegistry) names.emplace_back(entry.name);
  throw UsageError(str_cat("unknown featuriser '", spec.name, "' (known: ", core::join(names), ")"));
}

std::vector<std::pair<std::string, std::string>> featurizer_catalog() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& entry : kRegistry) out.emplace_back(entry.name, entry.description);
  return out;
}

}  // namespace hitforge::chem
