#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "core/blas_check.h"

int main(int argc, char** argv) {
  // the model tests run on OpenBLAS's AVX2/AVX-512 kernels even where it does not recognise the CPU
  hitforge::core::reexec_for_openblas_coretype(argv);
  return Catch::Session().run(argc, argv);
}
