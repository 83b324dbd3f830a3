// Fingerprint-MLP inference throughput: hitforge's FingerprintMLP (dense first layer and sparse EmbeddingBag first
// layer) against PyTorch-Python (python3-torch) running the same architecture with the same BLAS and thread count,
// in the same invocation. Inputs: random 2048-bit fingerprints with ~45 bits set (typical ECFP4 density).
//
// Usage: bench_mlp_inference [--threads 2] [--n 50000] [--batch 1024] [--python /usr/bin/python3]
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "core/blas_check.h"
#include "core/torch_runtime.h"
#include "models/fingerprint_mlp.h"

using namespace hitforge;

namespace {
double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

std::string python_baseline(const std::string& py, int threads, int n, int batch, double density) {
  std::string script =
      "import time, torch\n"
      "torch.set_num_threads(" + std::to_string(threads) + ")\n"
      "torch.manual_seed(0)\n"
      "n, b = " + std::to_string(n) + ", " + std::to_string(batch) + "\n"
      "x = (torch.rand(n, 2048) < " + std::to_string(density) + ").float()\n"
      "m = torch.nn.Sequential(torch.nn.Linear(2048, 512), torch.nn.ReLU(), torch.nn.Linear(512, 256),\n"
      "                        torch.nn.ReLU(), torch.nn.Linear(256, 1)).eval()\n"
      "best = 1e9\n"
      "with torch.no_grad():\n"
      "    for rep in range(4):\n"
      "        t = time.perf_counter()\n"
      "        for i in range(0, n, b): m(x[i:i+b])\n"
      "        best = min(best, time.perf_counter() - t) if rep else best\n"
      "print(n / best)\n";
  std::string cmd = py + " -c '" + script + "' 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[256];
  while (p && fgets(buf, sizeof buf, p)) out += buf;
  if (p) pclose(p);
  return out;
}
}  // namespace

int main(int argc, char** argv) {
  hitforge::core::reexec_for_openblas_coretype(argv);  // the Python baseline inherits the same OPENBLAS_CORETYPE
  int threads = 2, n = 50000, batch = 1024;
  std::string py = "/usr/bin/python3";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--threads") threads = std::atoi(argv[i + 1]);
    else if (a == "--n") n = std::atoi(argv[i + 1]);
    else if (a == "--batch") batch = std::atoi(argv[i + 1]);
    else if (a == "--python") py = argv[i + 1];
  }
  core::RuntimeOptions rt;
  rt.threads = threads;
  core::init_runtime(rt);
  const double density = 45.0 / 2048;
  torch::manual_seed(0);
  auto bits = (torch::rand({n, 2048}) < density).to(torch::kUInt8);
  // pack LSB-first, as datasets store them
  std::vector<std::uint8_t> packed(static_cast<size_t>(n) * 256, 0);
  auto acc = bits.accessor<std::uint8_t, 2>();
  for (int r = 0; r < n; ++r)
    for (int j = 0; j < 2048; ++j)
      if (acc[r][j]) packed[r * 256 + j / 8] |= static_cast<std::uint8_t>(1u << (j % 8));
  auto dense_x = bits.to(torch::kFloat32);

  models::FingerprintMLPOptions opt(2048, 1);
  opt.hidden({512, 256});
  models::FingerprintMLP net(opt);
  net->eval();
  torch::NoGradGuard ng;

  auto time_best = [&](auto&& fn) {
    double best = 1e9;
    for (int rep = 0; rep < 4; ++rep) {
      double t = now();
      fn();
      if (rep) best = std::min(best, now() - t);  // first run warms caches
    }
    return best;
  };
  double t_dense = time_best([&] {
    for (int i = 0; i < n; i += batch) net->forward(dense_x.slice(0, i, std::min(n, i + batch)));
  });
  double t_dense_from_packed = time_best([&] {
    for (int i = 0; i < n; i += batch) {
      int b = std::min(n, i + batch) - i;
      auto x = torch::zeros({b, 2048});
      float* d = x.data_ptr<float>();
      for (int r = 0; r < b; ++r)
        for (int j = 0; j < 2048; ++j) d[r * 2048 + j] = (packed[(i + r) * 256 + j / 8] >> (j % 8)) & 1;
      net->forward(x);
    }
  });
  double t_sparse = time_best([&] {
    for (int i = 0; i < n; i += batch) {
      int b = std::min(n, i + batch) - i;
      auto sb = models::packed_bits_to_indices(&packed[static_cast<size_t>(i) * 256], b, 2048);
      net->forward_sparse(sb);
    }
  });
  std::string py_out = python_baseline(py, threads, n, batch, density);
  double py_rate = std::atof(py_out.c_str());
  std::printf("FingerprintMLP 2048-512-256-1 inference, %d molecules, batch %d, %d threads\n", n, batch, threads);
  std::printf("  PyTorch-Python (python3-torch), dense      %10.0f mol/s\n", py_rate);
  std::printf("  hitforge dense (float input ready)         %10.0f mol/s   %.2fx Python\n", n / t_dense,
              py_rate > 0 ? n / t_dense / py_rate : 0.0);
  std::printf("  hitforge dense (unpacking stored bits)     %10.0f mol/s   %.2fx Python\n", n / t_dense_from_packed,
              py_rate > 0 ? n / t_dense_from_packed / py_rate : 0.0);
  std::printf("  hitforge sparse EmbeddingBag (from bits)   %10.0f mol/s   %.2fx Python, %.2fx dense\n", n / t_sparse,
              py_rate > 0 ? n / t_sparse / py_rate : 0.0, t_dense_from_packed / t_sparse);
  if (py_rate <= 0) std::printf("  (Python baseline failed: %s)\n", py_out.c_str());
  return 0;
}
