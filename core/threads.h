#pragma once
// The one place that sets thread counts. Measured on 2 cores: an OpenMP pool of 2 plus a multithreaded BLAS of 2
// ran 2–5× slower than a single pool, so hitforge runs one level of parallelism at a time:
//   * OpenMP loops over molecules use `threads`;
//   * BLAS (OpenBLAS, found at run time) gets `threads` for torch ops outside those loops and is forced to 1
//     inside them (SerialBlasScope);
//   * torch intra-op threads are set by core/torch_runtime (which calls configure_threads first).
#include <string>

namespace hitforge::core {

/// Applies `threads` (>= 1; 0 means "all hardware threads") to OpenMP and BLAS. Returns the count applied.
int configure_threads(int threads);
/// The count last applied by configure_threads (hardware concurrency before the first call).
int configured_threads();
/// Hardware threads available to this process (sched_getaffinity).
int hardware_threads();
/// Sets the BLAS pool size if the loaded BLAS exposes a setter (OpenBLAS, BLIS); false when none does.
bool set_blas_threads(int threads);
/// For a worker thread that runs a whole pipeline on its own (one of several): OpenMP regions it starts, and
/// torch's intra-op loops and oneDNN kernels (which follow OpenMP's per-thread setting), run on it alone.
void use_one_thread_here();

/// RAII: BLAS single-threaded for the lifetime of the scope (use around OpenMP regions that may call BLAS).
class SerialBlasScope {
 public:
  SerialBlasScope();
  ~SerialBlasScope();
  SerialBlasScope(const SerialBlasScope&) = delete;
  SerialBlasScope& operator=(const SerialBlasScope&) = delete;
};

}  // namespace hitforge::core
