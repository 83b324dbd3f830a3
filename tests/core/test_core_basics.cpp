#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "core/atomic_file.h"
#include "core/blas_check.h"
#include "core/error.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/threads.h"
#include "test_util.h"

using namespace hitforge;
namespace fs = std::filesystem;

TEST_CASE("HITFORGE_CHECK throws InternalError with file and line", "[core]") {
  try {
    HITFORGE_CHECK(1 + 1 == 3, "arithmetic is ", "broken");
    FAIL("no exception");
  } catch (const core::InternalError& e) {
    std::string msg = e.what();
    CHECK(msg.find("test_core_basics.cpp") != std::string::npos);
    CHECK(msg.find("arithmetic is broken") != std::string::npos);
  }
  CHECK_THROWS_AS([] { HITFORGE_REQUIRE(false, "bad flag ", 3); }(), core::UsageError);
  CHECK_NOTHROW([] { HITFORGE_REQUIRE(true, "never"); }());
}

TEST_CASE("log levels parse and filter", "[core]") {
  CHECK(core::parse_log_level("warn") == core::LogLevel::warn);
  CHECK_THROWS_AS(core::parse_log_level("loud"), core::UsageError);
  auto old = core::log_level();
  core::set_log_level(core::LogLevel::warn);
  CHECK_FALSE(core::log_enabled(core::LogLevel::info));
  CHECK(core::log_enabled(core::LogLevel::error));
  core::set_log_level(old);
}

TEST_CASE("number and duration formatting", "[core]") {
  CHECK(core::format_count(0) == "0");
  CHECK(core::format_count(1234567) == "1,234,567");
  CHECK(core::format_rate(950) == "950");
  CHECK(core::format_rate(26100) == "26.1k");
  CHECK(core::format_rate(1.2e6) == "1.20M");
  CHECK(core::format_duration(62) == "1:02");
  CHECK(core::format_duration(3723) == "1:02:03");
}

TEST_CASE("progress bar renders counts, rate and ETA; counts from many threads", "[core]") {
  core::ProgressOptions o;
  o.label = "featurise";
  o.unit = "mol";
  o.force_tty = 0;
  o.enabled = false;  // no output during the test
  core::ProgressBar bar(1000, o);
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t) ts.emplace_back([&] { for (int i = 0; i < 100; ++i) bar.add(1); });
  for (auto& t : ts) t.join();
  CHECK(bar.count() == 400);
  std::string line = bar.render(2.0);
  CHECK(line.find("40.0%") != std::string::npos);
  CHECK(line.find("400/1,000") != std::string::npos);
  CHECK(line.find("200 mol/s") != std::string::npos);
  CHECK(line.find("ETA 0:03") != std::string::npos);
  core::ProgressBar unknown(0, o);
  unknown.add(5);
  CHECK(unknown.render(1.0).find("%") == std::string::npos);
}

TEST_CASE("atomic file: nothing under the final name until commit", "[core]") {
  testing::TempDir dir;
  std::string final_path = dir.file("out.txt");
  {
    core::AtomicFile f(final_path);
    std::ofstream(f.temp_path()) << "partial";
    CHECK_FALSE(fs::exists(final_path));
    // destroyed without commit: temp removed, final absent
  }
  CHECK_FALSE(fs::exists(final_path));
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 0);

  core::write_file_atomic(final_path, "v1");
  core::AtomicFile f(final_path);
  std::ofstream(f.temp_path()) << "v2";
  {
    std::ifstream in(final_path);
    std::string s;
    in >> s;
    CHECK(s == "v1");  // old content intact until commit
  }
  f.commit();
  std::ifstream in(final_path);
  std::string s;
  in >> s;
  CHECK(s == "v2");
  CHECK_THROWS_AS(core::write_file_atomic(dir.file("no/such/dir/x"), "x"), core::UsageError);
}

TEST_CASE("thread configuration is applied and remembered", "[core]") {
  CHECK(core::hardware_threads() >= 1);
  CHECK(core::configure_threads(1) == 1);
  CHECK(core::configured_threads() == 1);
  CHECK(core::configure_threads(0) == core::hardware_threads());
  CHECK_THROWS_AS(core::configure_threads(-1), core::UsageError);
}

TEST_CASE("BLAS detection reads the process maps", "[core]") {
  // test_core does not link a BLAS: detection must say so rather than guess.
  auto info = core::detect_blas();
  CHECK(info.kind == core::BlasInfo::Kind::none);
  CHECK(info.name() == "none");
}

TEST_CASE("OpenBLAS core override: only a generic fallback on an AVX2/AVX-512 CPU is replaced", "[core]") {
  using core::openblas_coretype_fix;
  // an unrecognised CPU: OpenBLAS 0.3.21 falls back to its SSE3 kernels
  CHECK(openblas_coretype_fix("Prescott", true, true) == "SkylakeX");
  CHECK(openblas_coretype_fix("Prescott", false, true) == "Haswell");
  CHECK(openblas_coretype_fix("PRESCOTT", false, true) == "Haswell");
  CHECK(openblas_coretype_fix("Nehalem", true, true) == "SkylakeX");
  CHECK(openblas_coretype_fix("Prescott", false, false).empty());  // an old CPU: the fallback is right
  // kernels OpenBLAS chose itself for a CPU it knows are left alone
  for (const char* known : {"Haswell", "SkylakeX", "Cooperlake", "Zen", "SapphireRapids", "Sandybridge"})
    CHECK(openblas_coretype_fix(known, true, true).empty());
  CHECK(openblas_coretype_fix("", true, true).empty());  // not OpenBLAS
  // test_core has no BLAS loaded: the start-up re-exec check must not load one (see the detection test above)
  CHECK(core::choose_openblas_coretype(false).empty());
  CHECK(core::detect_blas().kind == core::BlasInfo::Kind::none);
}
