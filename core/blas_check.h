#pragma once
// Which BLAS did this process get? Debian's libtorch links libblas.so.3, which the alternatives system points at
// the reference BLAS (measured 17–35× slower for MLP inference) unless OpenBLAS/BLIS/MKL is installed.
#include <string>

namespace hitforge::core {

struct BlasInfo {
  enum class Kind { none, reference, openblas, blis, mkl, other };
  Kind kind = Kind::none;
  std::string path;  ///< resolved library file mapped into the process
  std::string name() const;
  bool fast() const { return kind == Kind::openblas || kind == Kind::blis || kind == Kind::mkl; }
};

/// Reads /proc/self/maps for the BLAS libraries mapped into this process.
BlasInfo detect_blas();
/// Logs a loud warning (with the fix) when the reference BLAS is in use; debug line otherwise.
BlasInfo check_blas_at_startup();

}  // namespace hitforge::core
