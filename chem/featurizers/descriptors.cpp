#include "chem/featurizers/descriptors.h"

#include <RDGeneral/RDConfig.h>  // defines RDK_HAS_EIGEN3, which BCUT.h tests but does not include

#include <GraphMol/Descriptors/AUTOCORR2D.h>
#include <GraphMol/Descriptors/BCUT.h>
#include <GraphMol/Descriptors/Lipinski.h>
#include <GraphMol/Descriptors/MQN.h>
#include <GraphMol/Descriptors/MolSurf.h>
#include <GraphMol/Descriptors/Property.h>
#include <GraphMol/ROMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>

#include "core/error.h"

namespace hitforge::chem {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

using Family = std::function<std::vector<double>(const RDKit::ROMol&)>;

template <class T>
std::vector<double> to_double(const std::vector<T>& v) {
  return std::vector<double>(v.begin(), v.end());
}

std::vector<std::string> numbered(const std::string& prefix, int n) {
  std::vector<std::string> out;
  for (int i = 1; i <= n; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

}  // namespace

struct RDKit2DFeaturizer::Impl {
  // Registered properties, one functor per column (computed one by one so that one failure is one NaN).
  std::vector<boost::shared_ptr<RDKit::Descriptors::PropertyFunctor>> properties;
  // Vector-valued families after the properties: a column count and the function that fills them.
  std::vector<std::pair<std::size_t, Family>> families;
};

RDKit2DFeaturizer::RDKit2DFeaturizer() {
  namespace D = RDKit::Descriptors;
  auto impl = std::make_unique<Impl>();
  for (const auto& name : D::Properties::getAvailableProperties()) {
    impl->properties.push_back(D::Properties::getProperty(name));
    names_.push_back(name);
  }
  const auto add = [&](std::vector<std::string> names, Family f) {
    impl->families.emplace_back(names.size(), std::move(f));
    names_.insert(names_.end(), names.begin(), names.end());
  };
  const auto add_scalar = [&](const std::string& name, double (*f)(const RDKit::ROMol&)) {
    if (std::find(names_.begin(), names_.end(), name) != names_.end()) return;  // a newer RDKit registers it
    add({name}, [f](const RDKit::ROMol& m) { return std::vector<double>{f(m)}; });
  };
  add_scalar("NumAromaticCarbocycles", [](const RDKit::ROMol& m) { return double(D::calcNumAromaticCarbocycles(m)); });
  add_scalar("NumSaturatedCarbocycles",
             [](const RDKit::ROMol& m) { return double(D::calcNumSaturatedCarbocycles(m)); });
  add_scalar("NumAliphaticCarbocycles",
             [](const RDKit::ROMol& m) { return double(D::calcNumAliphaticCarbocycles(m)); });
  // force=true: the private copy may carry values cached by the caller under other settings.
  add(numbered("MQN", 42), [](const RDKit::ROMol& m) { return to_double(D::calcMQNs(m, true)); });
  add(numbered("PEOE_VSA", 14), [](const RDKit::ROMol& m) { return D::calcPEOE_VSA(m, nullptr, true); });
  add(numbered("SMR_VSA", 10), [](const RDKit::ROMol& m) { return D::calcSMR_VSA(m, nullptr, true); });
  add(numbered("SlogP_VSA", 12), [](const RDKit::ROMol& m) { return D::calcSlogP_VSA(m, nullptr, true); });
#ifdef RDK_HAS_EIGEN3
  add({"BCUT2D_MWHI", "BCUT2D_MWLOW", "BCUT2D_CHGHI", "BCUT2D_CHGLO", "BCUT2D_LOGPHI", "BCUT2D_LOGPLOW", "BCUT2D_MRHI",
       "BCUT2D_MRLOW"},
      [](const RDKit::ROMol& m) { return D::BCUT2D(m); });
#endif
  add(numbered("AUTOCORR2D_", 192), [](const RDKit::ROMol& m) {
    std::vector<double> out;
    D::AUTOCORR2D(m, out);
    return out;
  });
  impl_ = std::move(impl);

  // RDKit builds parameter tables and SMARTS patterns lazily on first use (Crippen, MQN, Lipinski counts); do that
  // here, on one thread, before compute() is called from many.
  std::unique_ptr<RDKit::ROMol> warm(RDKit::SmilesToMol("OC(=O)c1ccc(N)cc1C1CC1"));
  if (warm) compute_values(*warm);
}

RDKit2DFeaturizer::~RDKit2DFeaturizer() = default;

std::vector<double> RDKit2DFeaturizer::compute_values(const RDKit::ROMol& mol) const {
  const RDKit::ROMol work(mol);
  std::vector<double> out;
  out.reserve(names_.size());
  for (const auto& prop : impl_->properties) {
    try {
      out.push_back((*prop)(work));
    } catch (...) {  // RDKit throws its own types and plain std::exception alike; one failure is one NaN
      out.push_back(kNaN);
    }
  }
  for (const auto& [n, family] : impl_->families) {
    std::vector<double> values;
    try {
      values = family(work);
    } catch (...) {
      values.clear();
    }
    if (values.size() != n) values.assign(n, kNaN);
    out.insert(out.end(), values.begin(), values.end());
  }
  HITFORGE_CHECK(out.size() == names_.size(), "rdkit2d produced ", out.size(), " values for ", names_.size(),
                 " columns");
  for (auto& v : out)
    if (!std::isfinite(v)) v = kNaN;
  return out;
}

void RDKit2DFeaturizer::compute(const RDKit::ROMol& mol, std::uint8_t* row) const {
  const std::vector<double> values = compute_values(mol);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const auto f = static_cast<float>(values[i]);  // a finite double beyond float range becomes inf: report NaN
    const float g = std::isfinite(f) ? f : std::numeric_limits<float>::quiet_NaN();
    std::memcpy(row + 4 * i, &g, 4);  // rows need not be 4-byte aligned
  }
}

}  // namespace hitforge::chem
