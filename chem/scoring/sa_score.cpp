// SA score as RDKit Contrib's sascorer.py computes it; see sa_score.h for the contract.
#include "chem/scoring/sa_score.h"

#include <DataStructs/SparseIntVect.h>
#include <GraphMol/Descriptors/Lipinski.h>
#include <GraphMol/Fingerprints/MorganFingerprints.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/ROMol.h>
#include <GraphMol/RWMol.h>
#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>
#include <string_view>

#include "chem/scoring/scorer_params.h"
#include "core/error.h"

namespace hitforge::chem {
namespace {

using core::str_cat;
using core::UsageError;

constexpr const char* kDebianFpscores = "/usr/share/RDKit/Contrib/SA_Score/fpscores.pkl.gz";
// fpscores.pkl.gz inflates to ~9 MB; the cap only stops a wrong path (or a gzip bomb) from exhausting memory.
constexpr std::size_t kMaxInflatedBytes = std::size_t{1} << 30;

std::string read_maybe_gzipped(const std::string& path) {
  // gzread passes plain (uncompressed) files through unchanged, so an unzipped pickle works too.
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw UsageError(str_cat("SA score fragment file '", path, "': cannot open"));
  std::string data;
  std::vector<char> buf(1 << 20);
  for (;;) {
    const int n = gzread(f, buf.data(), static_cast<unsigned>(buf.size()));
    if (n < 0) {
      int errnum = 0;
      const std::string why = gzerror(f, &errnum);
      gzclose(f);
      throw UsageError(str_cat("SA score fragment file '", path, "': cannot decompress (", why, ")"));
    }
    if (n == 0) break;
    data.append(buf.data(), static_cast<std::size_t>(n));
    if (data.size() > kMaxInflatedBytes) {
      gzclose(f);
      throw UsageError(str_cat("SA score fragment file '", path, "': larger than 1 GiB uncompressed"));
    }
  }
  gzclose(f);
  return data;
}

// A reader for exactly the pickle subset fpscores.pkl.gz uses (protocol 0, as Python 2 wrote it):
//   (  MARK     l  LIST (from mark)     a  APPEND     pN\n  PUT (memo; never read back, as there is no GET)
//   F<float>\n  FLOAT     I<int>\n  INT     .  STOP
// Anything else is rejected rather than guessed at, so a file in another format fails loudly with its offset.
class FpscoresPickleReader {
 public:
  FpscoresPickleReader(const std::string& data, const std::string& path) : data_(data), path_(path) {}

  /// The (bit id, score) pairs in file order.
  std::vector<std::pair<std::uint32_t, double>> read() {
    while (pos_ < data_.size()) {
      const std::size_t op_at = pos_;
      const char op = data_[pos_++];
      switch (op) {
        case '(':
          stack_.push_back(Item{Kind::mark, 0.0, 0});
          break;
        case 'l':
          build_list(op_at);
          break;
        case 'a':
          append(op_at);
          break;
        case 'p':
          memo_index(op_at);
          break;
        case 'F':
          stack_.push_back(Item{Kind::real, parse_float(op_at), 0});
          break;
        case 'I':
          stack_.push_back(Item{Kind::integer, 0.0, parse_int(op_at)});
          break;
        case '.':
          return finish(op_at);
        default:
          fail(op_at, str_cat("unsupported pickle opcode 0x", hex(static_cast<unsigned char>(op)),
                              " (expected a protocol-0 list of [score, bit_id, ...] lists)"));
      }
    }
    fail(pos_, "ends without the pickle STOP opcode (truncated?)");
  }

 private:
  enum class Kind : std::uint8_t { mark, list, real, integer };
  struct Item {
    Kind kind;
    double real;
    std::int64_t integer;  // the value for Kind::integer, the index into lists_ for Kind::list
  };

  [[noreturn]] void fail(std::size_t at, const std::string& why) const {
    throw UsageError(
        str_cat("SA score fragment file '", path_, "': ", why, " at byte ", at, " of the uncompressed pickle"));
  }
  static std::string hex(unsigned v) {
    const char* digits = "0123456789abcdef";
    return {digits[v >> 4], digits[v & 15]};
  }

  std::string_view line(std::size_t op_at) {
    const std::size_t end = data_.find('\n', pos_);
    if (end == std::string::npos) fail(op_at, "argument without a terminating newline");
    std::string_view s(data_.data() + pos_, end - pos_);
    pos_ = end + 1;
    return s;
  }
  double parse_float(std::size_t op_at) {
    const std::string_view s = line(op_at);
    double v = 0.0;
    // from_chars: locale-independent and correctly rounded, so the double equals the one Python's float() reads.
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(v))
      fail(op_at, str_cat("malformed FLOAT '", s, "'"));
    return v;
  }
  std::int64_t parse_int(std::size_t op_at) {
    const std::string_view s = line(op_at);
    // Protocol 0 spells True/False as I01/I00; neither can be a bit id or a score.
    if (s == "00" || s == "01") fail(op_at, "a boolean where a number was expected");
    std::int64_t v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size())
      fail(op_at, str_cat("malformed or out-of-range INT '", s, "'"));
    return v;
  }
  void memo_index(std::size_t op_at) {
    const std::string_view s = line(op_at);
    if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
      fail(op_at, str_cat("malformed PUT index '", s, "'"));
    if (stack_.empty()) fail(op_at, "PUT on an empty stack");
  }
  void build_list(std::size_t op_at) {
    std::size_t m = stack_.size();
    while (m > 0 && stack_[m - 1].kind != Kind::mark) --m;
    if (m == 0) fail(op_at, "LIST without a preceding MARK");
    lists_.emplace_back(stack_.begin() + static_cast<std::ptrdiff_t>(m), stack_.end());
    stack_.resize(m - 1);
    stack_.push_back(Item{Kind::list, 0.0, static_cast<std::int64_t>(lists_.size() - 1)});
  }
  void append(std::size_t op_at) {
    if (stack_.size() < 2 || stack_.back().kind == Kind::mark || stack_[stack_.size() - 2].kind != Kind::list)
      fail(op_at, "APPEND without a value on top of a list");
    const Item v = stack_.back();
    stack_.pop_back();
    lists_[static_cast<std::size_t>(stack_.back().integer)].push_back(v);
  }
  std::vector<std::pair<std::uint32_t, double>> finish(std::size_t op_at) {
    if (pos_ != data_.size()) fail(pos_, "data after the pickle STOP opcode");
    if (stack_.size() != 1 || stack_[0].kind != Kind::list) fail(op_at, "the pickle is not a single list");
    std::vector<std::pair<std::uint32_t, double>> out;
    const auto& outer = lists_[static_cast<std::size_t>(stack_[0].integer)];
    for (std::size_t e = 0; e < outer.size(); ++e) {
      if (outer[e].kind != Kind::list) fail(op_at, str_cat("entry ", e, " of the top-level list is not a list"));
      const auto& entry = lists_[static_cast<std::size_t>(outer[e].integer)];
      if (entry.empty()) fail(op_at, str_cat("entry ", e, " is an empty list (expected [score, bit_id, ...])"));
      double score = 0.0;
      if (entry[0].kind == Kind::real)
        score = entry[0].real;
      else if (entry[0].kind == Kind::integer)
        score = static_cast<double>(entry[0].integer);  // sascorer.py applies float() to the score
      else
        fail(op_at, str_cat("entry ", e, " does not start with a number"));
      for (std::size_t j = 1; j < entry.size(); ++j) {
        const Item& id = entry[j];
        if (id.kind != Kind::integer || id.integer < 0 || id.integer > 0xFFFFFFFFLL)
          fail(op_at, str_cat("entry ", e, " item ", j, " is not a 32-bit unsigned bit id"));
        out.emplace_back(static_cast<std::uint32_t>(id.integer), score);
      }
    }
    return out;
  }

  const std::string& data_;
  const std::string& path_;
  std::size_t pos_ = 0;
  std::vector<Item> stack_;
  std::vector<std::vector<Item>> lists_;
};

}  // namespace

std::string SaScoreModel::default_path() {
  const char* env = std::getenv("HITFORGE_SA_FPSCORES");
  return env && *env ? std::string(env) : std::string(kDebianFpscores);
}

const SaScoreModel& SaScoreModel::default_model() {
  static const SaScoreModel model(default_path());
  return model;
}

SaScoreModel::SaScoreModel(const std::string& path) : path_(path) {
  const std::string data = read_maybe_gzipped(path);
  auto pairs = FpscoresPickleReader(data, path).read();
  HITFORGE_REQUIRE(!pairs.empty(), "SA score fragment file '", path, "': holds no fragment scores");
  // sascorer.py fills a dict in file order, so a repeated bit id keeps its last score: stable sort, keep the last.
  std::stable_sort(pairs.begin(), pairs.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  keys_.reserve(pairs.size());
  values_.reserve(pairs.size());
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    if (i + 1 < pairs.size() && pairs[i + 1].first == pairs[i].first) continue;
    keys_.push_back(pairs[i].first);
    values_.push_back(pairs[i].second);
  }
}

double SaScoreModel::fragment_score(std::uint32_t bit_id, double fallback) const {
  const auto it = std::lower_bound(keys_.begin(), keys_.end(), bit_id);
  return it != keys_.end() && *it == bit_id ? values_[static_cast<std::size_t>(it - keys_.begin())] : fallback;
}

double SaScoreModel::score(const RDKit::ROMol& mol) const {
  const RDKit::RingInfo* rings = mol.getRingInfo();
  HITFORGE_REQUIRE(rings && rings->isInitialized(),
                   "SA score needs a sanitised molecule (ring information is missing)");
  const unsigned n_atoms = mol.getNumAtoms();
  HITFORGE_REQUIRE(n_atoms > 0, "SA score is undefined for a molecule without atoms");

  // Fragment score: unhashed Morgan radius-2 environments with counts, as rdMolDescriptors.GetMorganFingerprint.
  const std::unique_ptr<RDKit::SparseIntVect<std::uint32_t>> fp(RDKit::MorganFingerprints::getFingerprint(mol, 2));
  const auto& elements = fp->getNonzeroElements();  // ordered by id, the order sascorer.py sums in
  double score1 = 0.0;
  long long n_frag = 0;
  for (const auto& [bit, count] : elements) {
    n_frag += count;
    score1 += fragment_score(bit, -4.0) * count;
  }
  score1 /= static_cast<double>(n_frag);

  // Stereocentres as Chem.FindMolChiralCenters(m, includeUnassigned=True) counts them: legacy perception with
  // force and flagPossibleStereoCenters. That writes atom properties, so it runs on a scratch copy: the caller's
  // molecule stays untouched (and const).
  RDKit::RWMol work(mol);
  RDKit::MolOps::assignStereochemistry(work, /*cleanIt=*/false, /*force=*/true, /*flagPossibleStereoCenters=*/true);
  int n_chiral = 0;
  for (const RDKit::Atom* a : work.atoms())
    if (a->hasProp(RDKit::common_properties::_CIPCode) || a->hasProp(RDKit::common_properties::_ChiralityPossible))
      ++n_chiral;

  const unsigned n_bridgeheads = RDKit::Descriptors::calcNumBridgeheadAtoms(mol);
  const unsigned n_spiro = RDKit::Descriptors::calcNumSpiroAtoms(mol);
  bool has_macrocycle = false;
  for (const auto& ring : rings->atomRings()) has_macrocycle = has_macrocycle || ring.size() > 8;

  const double n = static_cast<double>(n_atoms);
  const double size_penalty = std::pow(n, 1.005) - n;
  const double stereo_penalty = std::log10(n_chiral + 1.0);
  const double spiro_penalty = std::log10(n_spiro + 1.0);
  const double bridge_penalty = std::log10(n_bridgeheads + 1.0);
  // sascorer.py deliberately uses log10(2) for any number of macrocycles (the paper has log10(n + 1)).
  const double macrocycle_penalty = has_macrocycle ? std::log10(2.0) : 0.0;
  const double score2 = 0.0 - size_penalty - stereo_penalty - spiro_penalty - bridge_penalty - macrocycle_penalty;

  // Fingerprint-density correction (sascorer 1.1): symmetric molecules have fewer distinct environments.
  double score3 = 0.0;
  const double n_distinct = static_cast<double>(elements.size());
  if (n > n_distinct) score3 = std::log(n / n_distinct) * 0.5;

  double sa = score1 + score2 + score3;
  constexpr double kMin = -4.0;
  constexpr double kMax = 2.5;
  sa = 11.0 - (sa - kMin + 1.0) / (kMax - kMin) * 9.0;
  if (sa > 8.0) sa = 8.0 + std::log(sa + 1.0 - 9.0);  // smooths the hard end
  if (sa > 10.0)
    sa = 10.0;
  else if (sa < 1.0)
    sa = 1.0;
  return sa;
}

namespace {

class SaScorer final : public MolScorer {
 public:
  SaScorer(std::shared_ptr<const SaScoreModel> model) : model_(std::move(model)) {}
  std::string name() const override { return "sa"; }
  nlohmann::json params() const override { return {{"name", "sa"}, {"fpscores", model_->path()}}; }
  std::vector<std::string> columns() const override { return {"sa_score"}; }
  void compute(const RDKit::ROMol& mol, double* out, std::string* note) const override {
    out[0] = model_->score(mol);
    if (note) note->clear();
  }

 private:
  std::shared_ptr<const SaScoreModel> model_;
};

}  // namespace

MolScorerPtr make_sa_scorer(const nlohmann::json& params) {
  scoring_detail::check_keys(params, {"fpscores"});
  const std::string path = scoring_detail::get_string(params, "fpscores", SaScoreModel::default_path());
  // Loading happens here, so a bad path fails when the scorer is configured, not on the first molecule. The
  // default table (~8 MB) is shared by all scorers; it lives for the whole process, hence the no-op deleter.
  std::shared_ptr<const SaScoreModel> model;
  if (path == SaScoreModel::default_path())
    model.reset(&SaScoreModel::default_model(), [](const SaScoreModel*) {});
  else
    model = std::make_shared<const SaScoreModel>(path);
  return std::make_unique<SaScorer>(std::move(model));
}

}  // namespace hitforge::chem
