#pragma once
// Which BLAS did this process get? Debian's libtorch links libblas.so.3, which the alternatives system points at
// the reference BLAS (measured 17–35× slower for MLP inference) unless OpenBLAS/BLIS/MKL is installed.
#include <string>

namespace hitforge::core {

struct BlasInfo {
  enum class Kind { none, reference, openblas, blis, mkl, other };
  Kind kind = Kind::none;
  std::string path;  ///< resolved library file mapped into the process
  std::string core;  ///< OpenBLAS's kernel family ("Haswell", "SkylakeX", "Prescott", ...); "" for other BLAS
  std::string name() const;
  bool fast() const { return kind == Kind::openblas || kind == Kind::blis || kind == Kind::mkl; }
};

/// Reads /proc/self/maps for the BLAS libraries mapped into this process.
BlasInfo detect_blas();
/// detect_blas() plus, for OpenBLAS, the kernel family it chose (`core`).
BlasInfo detect_blas_with_core();
/// Logs a loud warning (with the fix) when the reference BLAS is in use or OpenBLAS runs its generic kernels on a
/// CPU with AVX2; a debug line otherwise.
BlasInfo check_blas_at_startup();

// ---- OpenBLAS kernels for CPUs newer than the library -------------------------------------------------------------
// OpenBLAS picks its kernels from the CPU model when it loads. Debian 12's 0.3.21 does not know CPUs released after
// it and falls back to its SSE3 "Prescott" kernels: measured on an Emerald Rapids VM (family 6 model 207), LSTM training ran at 3.1 k
// tokens/s against 6.9 k with OPENBLAS_CORETYPE=SkylakeX. The library reads that variable only at load time, so it
// must be set before the process starts (the `hitforge` launcher does, before it execs `hitforge-ml`) or the process
// re-executes itself (hitforge-ml, the test and bench programs).

/// The OPENBLAS_CORETYPE that replaces a generic fallback: "SkylakeX" when the CPU has AVX-512 F/BW/DQ/VL, "Haswell"
/// when it has AVX2 and FMA, "" when `detected` already names AVX2-class kernels (or newer, or unknown to this list
/// but not generic) or the CPU has neither.
std::string openblas_coretype_fix(const std::string& detected, bool avx512, bool avx2_fma);
/// The same for the CPU this runs on.
std::string openblas_coretype_fix(const std::string& detected);
/// Asks the OpenBLAS of this process which kernels it chose — loading libblas.so.3 when `load` and none is loaded
/// (a launcher about to exec) — and, unless the user set OPENBLAS_CORETYPE, sets it to openblas_coretype_fix(...).
/// Returns the value it set, "" if none (also when the BLAS is not OpenBLAS or, without `load`, none is loaded).
std::string choose_openblas_coretype(bool load);
/// For programs that link LibTorch (their OpenBLAS has already loaded): when choose_openblas_coretype(false) sets
/// the variable, re-executes /proc/self/exe with the same arguments so the library loads again with it. Returns only
/// when nothing needed changing or the exec failed (then the program runs on as it was, slower).
void reexec_for_openblas_coretype(char** argv);

}  // namespace hitforge::core
