#include "core/blas_check.h"

#include <fstream>

#include "core/log.h"

namespace hitforge::core {

std::string BlasInfo::name() const {
  switch (kind) {
    case Kind::none: return "none";
    case Kind::reference: return "reference";
    case Kind::openblas: return "openblas";
    case Kind::blis: return "blis";
    case Kind::mkl: return "mkl";
    default: return "other";
  }
}

BlasInfo detect_blas() {
  BlasInfo info;
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    std::string path = line.substr(slash);
    auto kind = BlasInfo::Kind::none;
    if (path.find("openblas") != std::string::npos) kind = BlasInfo::Kind::openblas;
    else if (path.find("libblis") != std::string::npos) kind = BlasInfo::Kind::blis;
    else if (path.find("libmkl") != std::string::npos) kind = BlasInfo::Kind::mkl;
    else if (path.find("/blas/libblas.so") != std::string::npos) kind = BlasInfo::Kind::reference;
    else if (path.find("libblas.so") != std::string::npos) kind = BlasInfo::Kind::other;
    // An optimised BLAS wins over anything else mapped (e.g. reference libblas pulled in by another library).
    if (kind != BlasInfo::Kind::none && (info.kind == BlasInfo::Kind::none || !info.fast())) {
      info.kind = kind;
      info.path = path;
    }
  }
  return info;
}

BlasInfo check_blas_at_startup() {
  BlasInfo info = detect_blas();
  if (info.kind == BlasInfo::Kind::reference) {
    log_warn("*** libtorch is running on the REFERENCE BLAS (" + info.path +
             "): neural-network work will be ~35x slower. Fix: sudo apt-get install libopenblas0-pthread "
             "(scripts/install-deps does this) ***");
  } else {
    log_debug("BLAS: " + info.name() + (info.path.empty() ? "" : " (" + info.path + ")"));
  }
  return info;
}

}  // namespace hitforge::core
