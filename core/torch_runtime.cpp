#include "core/torch_runtime.h"

#include <malloc.h>
#include <torch/torch.h>

#include "core/blas_check.h"
#include "core/cpu_tensor_cache.h"
#include "core/error.h"
#include "core/threads.h"

namespace hitforge::core {

void init_runtime(const RuntimeOptions& options) {
  // glibc serves allocations above 32 MB with fresh mmaps that are unmapped on free, so every large activation
  // tensor pays first-touch page faults again (measured here: ~250 ms per 60 MB; D-MPNN inference 2.1 s → 0.75 s
  // per 1000 molecules without it). Keep big blocks in the heap and do not trim it.
  static bool malloc_tuned = false;
  if (!malloc_tuned) {
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    malloc_tuned = true;
  }
  if (options.cache_cpu_tensors) install_cpu_tensor_cache();
  int n = configure_threads(options.threads);
  at::set_num_threads(n);
  // Inter-op pool: hitforge parallelises one level at a time; it can only be set before first use, once.
  static bool interop_set = false;
  if (!interop_set) {
    at::set_num_interop_threads(1);
    interop_set = true;
  }
  if (options.check_blas) check_blas_at_startup();
}

void set_intra_op_threads(int threads) {
  // Threads that start later inherit this count: torch's per-thread lazy initialisation applies it on their first
  // parallel op (and sets their OpenMP count to it).
  at::set_num_threads(threads);
  set_blas_threads(threads);
}

c10::Device parse_device(const std::string& spec) {
  c10::Device dev(c10::kCPU);
  try {
    dev = c10::Device(spec);
  } catch (const std::exception&) {
    throw UsageError(str_cat("unknown device '", spec, "' (use cpu, cuda or cuda:N)"));
  }
  if (dev.is_cuda()) {
    HITFORGE_REQUIRE(torch::cuda::is_available(), "device '", spec,
                     "' requested but this libtorch has no usable CUDA device; use --device cpu");
    HITFORGE_REQUIRE(!dev.has_index() || dev.index() < static_cast<int>(torch::cuda::device_count()),
                     "device '", spec, "' does not exist (", torch::cuda::device_count(), " CUDA devices)");
  }
  return dev;
}

}  // namespace hitforge::core
