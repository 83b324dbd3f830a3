#include "chem/scoring/smarts_scorer.h"

#include <GraphMol/RWMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/Substruct/SubstructMatch.h>

#include <fstream>

#include "chem/scoring/scorer_params.h"
#include "core/error.h"

namespace hitforge::chem {

using core::str_cat;
using core::UsageError;

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Splits "SMARTS   name words" into the SMARTS (no whitespace) and the name (rest, trimmed; "" if none).
std::pair<std::string, std::string> split_pattern(const std::string& line) {
  std::size_t b = 0;
  while (b < line.size() && is_space(line[b])) ++b;
  std::size_t e = b;
  while (e < line.size() && !is_space(line[e])) ++e;
  std::size_t nb = e;
  while (nb < line.size() && is_space(line[nb])) ++nb;
  std::size_t ne = line.size();
  while (ne > nb && is_space(line[ne - 1])) --ne;
  return {line.substr(b, e - b), line.substr(nb, ne - nb)};
}

// SmartsToMol returns null for most errors but throws for some (and RDKit sometimes throws plain std::exception).
std::unique_ptr<RDKit::RWMol> compile(const std::string& smarts, const std::string& where) {
  std::string why;
  std::unique_ptr<RDKit::RWMol> q;
  try {
    q.reset(RDKit::SmartsToMol(smarts));
  } catch (const std::exception& e) {
    why = e.what();
  }
  if (!q)
    throw UsageError(str_cat("scorer 'smarts': invalid SMARTS '", smarts, "'", where,
                             why.empty() ? std::string() : ": " + why));
  return q;
}

}  // namespace

SmartsParams SmartsParams::from_json(const nlohmann::json& params) {
  using namespace scoring_detail;
  check_keys(params, {"patterns", "file", "label"});
  SmartsParams p;
  p.patterns = get_string_list(params, "patterns");
  p.file = get_string(params, "file", "");
  p.label = get_string(params, "label", p.label);
  const bool has_patterns = params.contains("patterns");
  HITFORGE_REQUIRE(has_patterns != !p.file.empty(),
                   "scorer 'smarts': give exactly one of 'patterns' (array of SMARTS) or 'file'");
  HITFORGE_REQUIRE(!p.label.empty(), "scorer 'smarts': 'label' must not be empty");
  for (char c : p.label)
    HITFORGE_REQUIRE((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-',
                     "scorer 'smarts': 'label' '", p.label, "' may hold only letters, digits, '_' and '-'");
  return p;
}

SmartsScorer::SmartsScorer(SmartsParams params) : params_(std::move(params)) {
  auto add = [&](const std::string& line, const std::string& where) {
    auto [smarts, name] = split_pattern(line);
    if (smarts.empty()) throw UsageError(str_cat("scorer 'smarts': empty pattern", where));
    auto query = compile(smarts, where);
    queries_.push_back({name.empty() ? smarts : name, std::move(query)});
  };
  if (!params_.file.empty()) {
    std::ifstream in(params_.file);
    HITFORGE_REQUIRE(in, "scorer 'smarts': cannot open pattern file '", params_.file, "'");
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      const auto [smarts, name] = split_pattern(line);
      if (smarts.empty() || smarts[0] == '#') continue;
      add(line, str_cat(" (", params_.file, ":", n, ")"));
    }
    HITFORGE_REQUIRE(!in.bad(), "scorer 'smarts': error reading '", params_.file, "'");
  } else {
    for (std::size_t i = 0; i < params_.patterns.size(); ++i) add(params_.patterns[i], str_cat(" (pattern ", i, ")"));
  }
  HITFORGE_REQUIRE(!queries_.empty(), "scorer 'smarts'",
                   params_.file.empty() ? std::string() : " (file '" + params_.file + "')", ": no patterns given");
}

SmartsScorer::~SmartsScorer() = default;

nlohmann::json SmartsScorer::params() const {
  nlohmann::json j = {{"name", "smarts"}, {"label", params_.label}};
  if (params_.file.empty())
    j["patterns"] = params_.patterns;
  else
    j["file"] = params_.file;
  return j;
}

void SmartsScorer::compute(const RDKit::ROMol& mol, double* out, std::string* note) const {
  if (note) note->clear();
  int matched = 0;
  RDKit::MatchVectType match;  // first match only: we need "does it match", not every embedding
  for (const auto& p : queries_) {
    if (!RDKit::SubstructMatch(mol, *p.query, match)) continue;
    ++matched;
    if (note) {
      if (!note->empty()) *note += ';';
      *note += p.name;
    }
  }
  out[0] = matched;
}

}  // namespace hitforge::chem
