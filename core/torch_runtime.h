#pragma once
// Process start-up for programs that load LibTorch: thread counts for OpenMP, BLAS and torch intra-op set together
// (core/threads.h), the BLAS check, and the compute device chosen from an option string.
#include <string>

#include <c10/core/Device.h>

namespace hitforge::core {

struct RuntimeOptions {
  int threads = 0;            ///< 0 = all hardware threads
  std::string device = "cpu"; ///< "cpu", "cuda", "cuda:1"
  bool check_blas = true;
  bool cache_cpu_tensors = true;  ///< core/cpu_tensor_cache.h: reuse freed activation blocks across batches
};

/// Applies thread counts everywhere (OpenMP, BLAS, torch intra-op; torch inter-op = 1) and checks the BLAS.
void init_runtime(const RuntimeOptions& options);
/// Torch intra-op threads and BLAS threads to `threads` together (e.g. 1 when several single-threaded workers run
/// side by side; OpenMP per worker: core::use_one_thread_here).
void set_intra_op_threads(int threads);
/// Parses a device string; throws UsageError for malformed ones or CUDA without a CUDA-enabled libtorch/GPU.
c10::Device parse_device(const std::string& spec);

}  // namespace hitforge::core
