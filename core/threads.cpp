#include "core/threads.h"

#include <dlfcn.h>
#include <sched.h>

#include <atomic>
#include <thread>

#include "core/error.h"
#ifdef HITFORGE_HAVE_OPENMP
#include <omp.h>
#endif

namespace hitforge::core {
namespace {
std::atomic<int> g_threads{0};
using SetThreadsFn = void (*)(int);
SetThreadsFn blas_setter() {
  // Resolved at run time: which BLAS libtorch got is decided by Debian's alternatives, not at link time.
  static SetThreadsFn fn = [] {
    for (const char* name : {"openblas_set_num_threads", "bli_thread_set_num_threads"}) {
      if (void* p = ::dlsym(RTLD_DEFAULT, name)) return reinterpret_cast<SetThreadsFn>(p);
    }
    return static_cast<SetThreadsFn>(nullptr);
  }();
  return fn;
}
}  // namespace

int hardware_threads() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

bool set_blas_threads(int threads) {
  if (auto fn = blas_setter()) {
    fn(threads);
    return true;
  }
  return false;
}

int configure_threads(int threads) {
  HITFORGE_REQUIRE(threads >= 0, "--threads must be >= 0 (0 = all hardware threads), got ", threads);
  if (threads == 0) threads = hardware_threads();
#ifdef HITFORGE_HAVE_OPENMP
  omp_set_dynamic(0);
  omp_set_num_threads(threads);
#endif
  set_blas_threads(threads);
  g_threads = threads;
  return threads;
}

void use_one_thread_here() {
#ifdef HITFORGE_HAVE_OPENMP
  omp_set_num_threads(1);
#endif
}

int configured_threads() {
  int t = g_threads.load();
  return t > 0 ? t : hardware_threads();
}

SerialBlasScope::SerialBlasScope() { set_blas_threads(1); }
SerialBlasScope::~SerialBlasScope() { set_blas_threads(configured_threads()); }

}  // namespace hitforge::core
