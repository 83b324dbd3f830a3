#include "chem/gen_metrics_kl.h"

// Before any other RDKit header, in its own include block so that include sorting cannot move it:
// RDK_BUILD_THREADSAFE_SSS (defined there) changes the layout of RDKit::RecursiveStructureQuery.
#include <RDGeneral/RDConfig.h>

#include <GraphMol/Descriptors/Crippen.h>
#include <GraphMol/Descriptors/Lipinski.h>
#include <GraphMol/Descriptors/MolDescriptors.h>
#include <GraphMol/Descriptors/MolSurf.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/ROMol.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <unordered_map>

#include "core/error.h"

namespace hitforge::chem {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kKdePoints = 1000;            // GuacaMol: np.linspace(..., num=1000)
constexpr int kHistogramBins = 10;          // GuacaMol: np.histogram(..., bins=10)
constexpr double kEpsilon = 1e-10;          // GuacaMol adds this to both densities before the entropy
constexpr int kBertzCutoff = 100;           // RDKit BertzCT's default cutoff
constexpr double kDescriptorFailed = -666;  // RDKit MolecularDescriptorCalculator's value for a raising descriptor
// exp(-z²/2) is exactly 0.0 in double precision for z > 38.6; kernels beyond 40 bandwidths are skipped, which leaves
// every KDE value bit-for-bit what the full sum gives (up to summation order).
constexpr double kKernelReach = 40.0;

// Shannon entropy in bits of counts, as RDKit's InfoEntropy (rdInfoTheory) computes it.
double info_entropy(const std::vector<double>& counts) {
  double total = 0;
  for (double c : counts) total += c;
  if (total == 0) return 0;
  double acc = 0;
  for (double c : counts) {
    const double d = c / total;
    if (d != 0) acc += -d * std::log(d);
  }
  return acc / std::log(2.0);
}

// scipy.stats.entropy(p, q): both normalised to sum 1, Σ p log(p/q) (natural log); every entry here is > 0.
double relative_entropy(const std::vector<double>& p, const std::vector<double>& q) {
  const double sp = std::accumulate(p.begin(), p.end(), 0.0), sq = std::accumulate(q.begin(), q.end(), 0.0);
  double s = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double pk = p[i] / sp, qk = q[i] / sq;
    if (pk > 0) s += pk * std::log(pk / qk);
  }
  return s;
}

// numpy.linspace(lo, hi, n) for n >= 2: k * step + lo, the last point exactly hi.
std::vector<double> linspace(double lo, double hi, int n) {
  std::vector<double> x(static_cast<std::size_t>(n));
  const double step = (hi - lo) / (n - 1);
  for (int k = 0; k < n; ++k) x[static_cast<std::size_t>(k)] = k * step + lo;
  x.back() = hi;
  return x;
}

// A 1-D scipy.stats.gaussian_kde with Scott's factor (unweighted).
class Kde {
 public:
  // NaN bandwidth when undefined (fewer than 2 points or zero variance); see ok().
  explicit Kde(const std::vector<double>& data) : sorted_(data) {
    std::sort(sorted_.begin(), sorted_.end());
    const auto n = static_cast<double>(sorted_.size());
    if (sorted_.size() < 2) return;
    const double mean = std::accumulate(sorted_.begin(), sorted_.end(), 0.0) / n;
    double ss = 0;
    for (double v : sorted_) ss += (v - mean) * (v - mean);
    const double var = ss / (n - 1);                // np.cov(..., ddof=1)
    const double factor = std::pow(n, -1.0 / 5.0);  // scotts_factor for one dimension
    bandwidth_ = std::sqrt(var) * factor;
    if (!(bandwidth_ > 0) || !std::isfinite(bandwidth_)) bandwidth_ = kNaN;
    norm_ = 1.0 / (n * std::sqrt(2.0 * M_PI) * bandwidth_);
  }
  bool ok() const { return std::isfinite(bandwidth_); }

  double operator()(double x) const {
    const double reach = kKernelReach * bandwidth_;
    auto lo = std::lower_bound(sorted_.begin(), sorted_.end(), x - reach);
    auto hi = std::upper_bound(lo, sorted_.end(), x + reach);
    double s = 0;
    for (auto it = lo; it != hi; ++it) {
      const double z = (x - *it) / bandwidth_;
      s += std::exp(-0.5 * z * z);
    }
    return s * norm_;
  }

 private:
  std::vector<double> sorted_;
  double bandwidth_ = kNaN, norm_ = kNaN;
};

// Bond order as BertzCT's _LookUpBondOrder reads it: 1.5 for aromatic bonds (flag or type), otherwise the numeric
// value of RDKit's BondType enum (1, 2, 3 for the usual orders; Python's float(BondType) gives the same number).
double bertz_bond_order(const RDKit::Bond* bond) {
  if (bond->getIsAromatic() || bond->getBondType() == RDKit::Bond::AROMATIC) return 1.5;
  return static_cast<double>(static_cast<int>(bond->getBondType()));
}

}  // namespace

const std::array<const char*, kKlDescriptorCount>& kl_descriptor_names() {
  static const std::array<const char*, kKlDescriptorCount> names = {
      "BertzCT",           "MolLogP",           "MolWt",           "TPSA", "NumHAcceptors", "NumHDonors",
      "NumRotatableBonds", "NumAliphaticRings", "NumAromaticRings"};
  return names;
}

double bertz_ct(const RDKit::ROMol& mol) {
  const unsigned n = mol.getNumAtoms();
  if (n < 2) return 0;
  // Symmetry classes from the bond-order-weighted distance matrix (the call Python's
  // Chem.GetDistanceMatrix(mol, useBO=1, useAtomWts=0, force=1, prefix="Balaban") makes). Two atoms share a class when
  // their sorted distance rows, printed with '%.4f' and cut at `cutoff` entries, are identical strings; classes are
  // numbered by first appearance, as Python's keysSeen list does.
  const double* dm =
      RDKit::MolOps::getDistanceMat(mol, /*useBO=*/true, /*useAtomWts=*/false, /*force=*/true, "Balaban");
  std::vector<int> cls(n);
  {
    std::unordered_map<std::string, int> seen;
    std::vector<double> row(n);
    char buf[64];
    for (unsigned i = 0; i < n; ++i) {
      std::copy(dm + static_cast<std::size_t>(i) * n, dm + static_cast<std::size_t>(i + 1) * n, row.begin());
      std::sort(row.begin(), row.end());
      std::string key;
      const unsigned keep = std::min<unsigned>(n, kBertzCutoff);
      for (unsigned k = 0; k < keep; ++k) {
        std::snprintf(buf, sizeof buf, "%.4f,", row[k]);  // correctly rounded, like Python's '%.4f'
        key += buf;
      }
      auto [it, fresh] = seen.emplace(std::move(key), static_cast<int>(seen.size()) + 1);
      cls[i] = it->second;
    }
  }
  // Neighbour lists in ascending index order and bond orders, as _CreateBondDictEtc builds them.
  std::vector<std::vector<unsigned>> nbrs(n);
  for (const RDKit::Bond* b : mol.bonds()) {
    nbrs[b->getBeginAtomIdx()].push_back(b->getEndAtomIdx());
    nbrs[b->getEndAtomIdx()].push_back(b->getBeginAtomIdx());
  }
  for (auto& v : nbrs) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
  }
  const auto order = [&mol](unsigned a, unsigned b) { return bertz_bond_order(mol.getBondBetweenAtoms(a, b)); };

  // Connection counts keyed by class tuples: (lo, hi, 0) for a multiple bond, (lo, hinge, hi) for a two-bond path
  // (classes start at 1, so the two kinds never collide). Values kept in first-insertion order, as Python's dict.
  std::map<std::array<int, 3>, std::size_t> index;
  std::vector<double> connections;
  const auto add = [&](const std::array<int, 3>& key, double value) {
    auto [it, fresh] = index.emplace(key, connections.size());
    if (fresh) connections.push_back(0.0);
    connections[it->second] += value;
  };
  std::vector<int> type_order;  // atomic numbers in first-appearance order
  std::map<int, double> type_counts;
  for (unsigned a = 0; a < n; ++a) {
    const int z = mol.getAtomWithIdx(a)->getAtomicNum();
    if (type_counts[z]++ == 0) type_order.push_back(z);
    const int hinge = cls[a];
    const auto& nb = nbrs[a];
    for (std::size_t i = 0; i < nb.size(); ++i) {
      const int ci = cls[nb[i]];
      const double oi = order(a, nb[i]);
      if (oi > 1 && nb[i] > a) add({std::min(hinge, ci), std::max(hinge, ci), 0}, oi * (oi - 1) / 2);
      for (std::size_t j = i + 1; j < nb.size(); ++j) {
        const int cj = cls[nb[j]];
        add({std::min(ci, cj), hinge, std::max(ci, cj)}, oi * order(a, nb[j]));
      }
    }
  }
  if (connections.empty()) connections.push_back(1.0);  // Python's {'a': 1}
  const double total = std::accumulate(connections.begin(), connections.end(), 0.0);
  const double connection_ie = total * (info_entropy(connections) + std::log(total) / std::log(2.0));
  std::vector<double> types;
  for (int z : type_order) types.push_back(type_counts[z]);
  const double atom_type_ie = n * info_entropy(types);
  return atom_type_ie + connection_ie;
}

std::array<double, kKlDescriptorCount> kl_descriptors(const RDKit::ROMol& mol) {
  const std::array<std::function<double()>, kKlDescriptorCount> fns = {
      [&] { return bertz_ct(mol); },
      [&] {
        double logp = 0, mr = 0;
        RDKit::Descriptors::calcCrippenDescriptors(mol, logp, mr);
        return logp;
      },
      [&] { return RDKit::Descriptors::calcAMW(mol); },
      [&] { return RDKit::Descriptors::calcTPSA(mol); },
      [&] { return static_cast<double>(RDKit::Descriptors::calcNumHBA(mol)); },
      [&] { return static_cast<double>(RDKit::Descriptors::calcNumHBD(mol)); },
      [&] { return static_cast<double>(RDKit::Descriptors::calcNumRotatableBonds(mol)); },
      [&] { return static_cast<double>(RDKit::Descriptors::calcNumAliphaticRings(mol)); },
      [&] { return static_cast<double>(RDKit::Descriptors::calcNumAromaticRings(mol)); },
  };
  std::array<double, kKlDescriptorCount> out{};
  for (std::size_t k = 0; k < kKlDescriptorCount; ++k) {
    try {
      out[k] = fns[k]();
      if (!std::isfinite(out[k])) out[k] = 0;  // GuacaMol: _fp[~np.isfinite(_fp)] = 0
    } catch (...) {
      out[k] = kDescriptorFailed;
    }
  }
  return out;
}

double continuous_kl(const std::vector<double>& baseline, const std::vector<double>& sampled, std::string* reason,
                     int threads) {
  const Kde p(baseline), q(sampled);
  if (!p.ok() || !q.ok()) {
    if (reason)
      *reason = (!p.ok() ? "reference" : "generated") +
                std::string(" sample has fewer than 2 molecules or zero variance (Gaussian KDE undefined)");
    return kNaN;
  }
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const auto* v : {&baseline, &sampled})
    for (double x : *v) lo = std::min(lo, x), hi = std::max(hi, x);
  const std::vector<double> x = linspace(lo, hi, kKdePoints);
  std::vector<double> pd(x.size()), qd(x.size());
  // Pure arithmetic on preallocated arrays; nothing can throw inside.
#pragma omp parallel for schedule(static) \
    num_threads(threads) if (threads > 1 && baseline.size() + sampled.size() > 2000)
  for (int k = 0; k < kKdePoints; ++k) {
    const auto i = static_cast<std::size_t>(k);
    pd[i] = p(x[i]) + kEpsilon;
    qd[i] = q(x[i]) + kEpsilon;
  }
  return relative_entropy(pd, qd);
}

double discrete_kl(const std::vector<double>& baseline, const std::vector<double>& sampled, std::string* reason) {
  if (baseline.empty() || sampled.empty()) {
    if (reason) *reason = std::string(baseline.empty() ? "reference" : "generated") + " sample is empty";
    return kNaN;
  }
  // numpy.histogram(baseline, bins=10): edges over [min, max] (widened by 0.5 each way when constant).
  double lo = *std::min_element(baseline.begin(), baseline.end());
  double hi = *std::max_element(baseline.begin(), baseline.end());
  if (lo == hi) lo -= 0.5, hi += 0.5;
  const std::vector<double> edges = linspace(lo, hi, kHistogramBins + 1);
  // Bin i holds edges[i] <= v < edges[i+1]; the last bin also holds v == edges.back(); values outside are dropped.
  const auto histogram = [&edges](const std::vector<double>& values) {
    std::vector<double> counts(kHistogramBins, 0.0);
    for (double v : values) {
      if (!(v >= edges.front() && v <= edges.back())) continue;
      auto it = std::upper_bound(edges.begin(), edges.end(), v);
      auto bin = static_cast<std::size_t>(it - edges.begin()) - 1;
      if (bin >= static_cast<std::size_t>(kHistogramBins)) bin = kHistogramBins - 1;
      counts[bin] += 1;
    }
    return counts;
  };
  std::vector<double> p = histogram(baseline), q = histogram(sampled);
  const double np_ = std::accumulate(p.begin(), p.end(), 0.0), nq = std::accumulate(q.begin(), q.end(), 0.0);
  if (nq == 0) {
    if (reason) *reason = "no generated value lies inside the reference's range (numpy's density is 0/0)";
    return kNaN;
  }
  for (int b = 0; b < kHistogramBins; ++b) {
    const auto i = static_cast<std::size_t>(b);
    const double width = edges[i + 1] - edges[i];
    p[i] = p[i] / width / np_ + kEpsilon;  // density=True: n / db / n.sum()
    q[i] = q[i] / width / nq + kEpsilon;
  }
  return relative_entropy(p, q);
}

KlResult guacamol_kl(const KlSample& reference, const KlSample& generated, int threads) {
  KlResult r;
  const auto& names = kl_descriptor_names();
  const auto column = [](const KlSample& s, std::size_t k) {
    std::vector<double> v(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) v[i] = s.descriptors[i][k];
    return v;
  };
  for (std::size_t k = 0; k < kKlDescriptorCount; ++k) {
    KlTerm t;
    t.name = names[k];
    t.kl = k < 4 ? continuous_kl(column(reference, k), column(generated, k), &t.reason, threads)
                 : discrete_kl(column(reference, k), column(generated, k), &t.reason);
    r.terms.push_back(std::move(t));
  }
  {
    KlTerm t;
    t.name = "internal_similarity";
    t.kl = continuous_kl(max_similarity_to_others(reference.morgan4096, threads),
                         max_similarity_to_others(generated.morgan4096, threads), &t.reason, threads);
    r.terms.push_back(std::move(t));
  }
  if (reference.size() == 0 || generated.size() == 0) {
    r.score = kNaN;
    return r;
  }
  double s = 0;
  for (const auto& t : r.terms) s += std::isnan(t.kl) ? 0.0 : std::exp(-t.kl);
  r.score = s / static_cast<double>(r.terms.size());
  return r;
}

}  // namespace hitforge::chem
