#include "core/blas_check.h"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <set>

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

namespace {

using CoreNameFn = char* (*)();

// OpenBLAS's kernel family, asked through `handle` (RTLD_DEFAULT: whatever this process has loaded).
std::string openblas_core_name(void* handle) {
  auto fn = reinterpret_cast<CoreNameFn>(::dlsym(handle, "openblas_get_corename"));
  if (fn == nullptr) return {};
  const char* name = fn();
  return name ? std::string(name) : std::string();
}

bool cpu_has_avx512() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
}
bool cpu_has_avx2_fma() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }

}  // namespace

BlasInfo detect_blas_with_core() {
  BlasInfo info = detect_blas();
  if (info.kind == BlasInfo::Kind::openblas) info.core = openblas_core_name(RTLD_DEFAULT);
  return info;
}

std::string openblas_coretype_fix(const std::string& detected, bool avx512, bool avx2_fma) {
  // OpenBLAS's x86-64 families without AVX2 kernels: what an unrecognised CPU falls back to, or older cores
  static const std::set<std::string> generic = {"prescott", "core2",    "penryn",  "dunnington", "nehalem",
                                                "atom",     "katmai",   "coppermine", "northwood", "banias",
                                                "opteron",  "opteron(sse3)", "barcelona", "bobcat", "unknown"};
  std::string d = detected;
  std::transform(d.begin(), d.end(), d.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (d.empty() || !generic.count(d)) return {};
  if (avx512) return "SkylakeX";
  if (avx2_fma) return "Haswell";
  return {};
}

std::string openblas_coretype_fix(const std::string& detected) {
  return openblas_coretype_fix(detected, cpu_has_avx512(), cpu_has_avx2_fma());
}

std::string choose_openblas_coretype(bool load) {
  if (const char* set = std::getenv("OPENBLAS_CORETYPE"); set != nullptr && *set != '\0') return {};
  // the loaded library if the process has one (RTLD_NOLOAD: only that one)
  void* handle = ::dlopen("libblas.so.3", RTLD_NOW | RTLD_LOCAL | (load ? 0 : RTLD_NOLOAD));
  if (handle == nullptr) return {};
  const std::string fix = openblas_coretype_fix(openblas_core_name(handle));
  // not dlclose'd: OpenBLAS has started its threads, and the caller is about to exec
  if (!fix.empty()) ::setenv("OPENBLAS_CORETYPE", fix.c_str(), 1);
  return fix;
}

void reexec_for_openblas_coretype(char** argv) {
  if (choose_openblas_coretype(false).empty()) return;
  ::execv("/proc/self/exe", argv);
  ::unsetenv("OPENBLAS_CORETYPE");  // the exec failed: this process keeps its generic kernels; say so at start-up
}

BlasInfo check_blas_at_startup() {
  BlasInfo info = detect_blas_with_core();
  if (info.kind == BlasInfo::Kind::reference) {
    log_warn("*** libtorch is running on the REFERENCE BLAS (" + info.path +
             "): neural-network work will be ~35x slower. Fix: sudo apt-get install libopenblas0-pthread "
             "(scripts/install-deps does this) ***");
  } else if (const std::string fix = openblas_coretype_fix(info.core);
             !fix.empty()) {
    log_warn("OpenBLAS runs its generic '" + info.core + "' kernels on this CPU (it does not recognise it): " +
             "neural-network work is ~2x slower. Fix: export OPENBLAS_CORETYPE=" + fix +
             " (the hitforge command sets it unless you set another)");
  } else {
    log_debug("BLAS: " + info.name() + (info.core.empty() ? "" : " " + info.core) +
              (info.path.empty() ? "" : " (" + info.path + ")"));
  }
  return info;
}

}  // namespace hitforge::core
