// hitforge doctor — what a support request needs: versions, the BLAS LibTorch really uses (and how fast it is),
// thread settings, devices, and where the data directory is.
#include <GraphMol/RDKitBase.h>
#include <H5Cpp.h>
#include <RDGeneral/versions.h>
#include <torch/torch.h>

#include <chrono>
#include <iomanip>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/common.h"
#include "core/blas_check.h"
#include "core/error.h"
#include "core/threads.h"
#include "core/torch_runtime.h"
#include "datasets/registry.h"

namespace hitforge::cli {

namespace {
struct DoctorArgs {
  bool json = false;
  std::string data_dir;
};

double matmul_gflops(int n, int reps) {
  torch::NoGradGuard ng;
  auto a = torch::randn({n, n}), b = torch::randn({n, n});
  auto c = torch::mm(a, b);  // warm-up
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < reps; ++i) c = torch::mm(a, b);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return 2.0 * n * n * n * reps / s / 1e9;
}

void run_doctor(const DoctorArgs& a, const GlobalOptions& g) {
  core::RuntimeOptions rt;
  rt.threads = g.threads;
  rt.device = g.device;
  rt.check_blas = true;
  core::init_runtime(rt);
  c10::Device dev = core::parse_device(g.device);
  core::BlasInfo blas = core::detect_blas_with_core();
  double gflops = matmul_gflops(512, 8);
  unsigned h5maj = 0, h5min = 0, h5rel = 0;
  H5get_libversion(&h5maj, &h5min, &h5rel);
  std::string data_dir;
  try {
    data_dir = data::resolve_data_dir(a.data_dir);
  } catch (const core::UsageError&) {
    data_dir = "(none found; set HITFORGE_DATA_DIR or pass --data-dir)";
  }
  nlohmann::json j = {
      {"hitforge", HITFORGE_VERSION},
      {"libtorch", TORCH_VERSION},
      {"rdkit", RDKit::rdkitVersion},
      {"hdf5", std::to_string(h5maj) + "." + std::to_string(h5min) + "." + std::to_string(h5rel)},
      {"blas",
       {{"kind", blas.name()},
        {"library", blas.path},
        {"openblas_core", blas.core},
        {"fast", blas.fast()},
        {"matmul_512_gflops", gflops}}},
      {"threads", {{"configured", core::configured_threads()}, {"hardware", core::hardware_threads()},
                   {"torch_intra_op", at::get_num_threads()}}},
      {"device", dev.str()},
      {"cuda_available", torch::cuda::is_available()},
      {"cuda_devices", torch::cuda::is_available() ? torch::cuda::device_count() : 0},
      {"data_dir", data_dir},
  };
  if (a.json) {
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::cout << "hitforge " << HITFORGE_VERSION << "  (libtorch " << TORCH_VERSION << ", RDKit " << RDKit::rdkitVersion
            << ", HDF5 " << j["hdf5"].get<std::string>() << ")\n"
            << "BLAS:    " << blas.name() << (blas.core.empty() ? "" : " (" + blas.core + " kernels)")
            << (blas.path.empty() ? "" : " — " + blas.path) << "\n"
            << "         512x512 matmul: " << std::fixed << std::setprecision(1) << gflops << " GFLOP/s"
            << (blas.fast() ? "" : "   <-- SLOW: install libopenblas0-pthread") << "\n"
            << "threads: " << core::configured_threads() << " (hardware " << core::hardware_threads()
            << ", torch intra-op " << at::get_num_threads() << ")\n"
            << "device:  " << dev.str() << (torch::cuda::is_available() ? "  (CUDA available)" : "  (no CUDA)") << "\n"
            << "data:    " << data_dir << "\n";
}
}  // namespace

void register_doctor_command(CLI::App& app, GlobalOptions& g) {
  static DoctorArgs a;
  CLI::App* cmd = app.add_subcommand("doctor", "Check the installation: versions, BLAS, threads, devices, data dir");
  cmd->add_flag("--json", a.json, "Machine-readable output");
  cmd->add_option("--data-dir", a.data_dir, "Data directory to report (default: the one hitforge would use)");
  cmd->footer("Example:\n  hitforge doctor --threads 2");
  cmd->callback([&g] { run_doctor(a, g); });
}

}  // namespace hitforge::cli
