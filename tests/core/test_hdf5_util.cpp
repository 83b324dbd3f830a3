#include <catch2/catch.hpp>

#include <cmath>

#include "core/error.h"
#include "core/hdf5_util.h"
#include "test_util.h"

using namespace hitforge;
namespace h5 = core::h5;

TEST_CASE("HDF5 appenders stream rows and read back by range and by index", "[core]") {
  testing::TempDir dir;
  std::string path = dir.file("t.h5");
  {
    H5::H5File f = h5::create_file(path);
    H5::Group root = f.openGroup("/");
    h5::Appender a(root, "m", H5::PredType::NATIVE_FLOAT, 3, 4, 4);
    for (int block = 0; block < 5; ++block) {
      std::vector<float> rows;
      for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 3; ++c) rows.push_back(float((block * 3 + r) * 10 + c));
      a.append(rows.data(), 3);
    }
    CHECK(a.rows() == 15);
    h5::StringAppender s(root, "names", 2, 4);
    s.append({"alpha", "", "γ-unicode"});
    s.append({"delta"});
    h5::write_attr(root, "title", std::string("hello"));
    h5::write_attr(root, "n", std::int64_t(42));
    h5::write_attr(root, "cols", std::vector<std::string>{"a", "b"});
    h5::write_attr(root, "empty", std::vector<std::string>{});
    h5::require_group(root, "x/y/z");
  }
  H5::H5File f = h5::open_file(path);
  H5::Group root = f.openGroup("/");
  CHECK(h5::exists(root, "x/y/z"));
  CHECK_FALSE(h5::exists(root, "x/q/z"));
  CHECK(h5::read_attr_string(root, "title") == "hello");
  CHECK(h5::read_attr_int(root, "n") == 42);
  CHECK(h5::read_attr_strings(root, "cols") == std::vector<std::string>{"a", "b"});
  CHECK(h5::read_attr_strings(root, "empty").empty());
  H5::DataSet m = root.openDataSet("m");
  CHECK(h5::shape(m) == std::vector<hsize_t>{15, 3});
  std::vector<float> rows;
  h5::read_rows<float>(m, 4, 2, rows);
  CHECK(rows == std::vector<float>{40, 41, 42, 50, 51, 52});
  h5::read_indexed_rows<float>(m, {14, 0, 14, 7}, rows);
  CHECK(rows == std::vector<float>{140, 141, 142, 0, 1, 2, 140, 141, 142, 70, 71, 72});
  CHECK_THROWS_AS(h5::read_indexed_rows<float>(m, {15}, rows), core::UsageError);
  auto names = h5::read_strings(root.openDataSet("names"));
  CHECK(names == std::vector<std::string>{"alpha", "", "γ-unicode", "delta"});
  CHECK_THROWS_AS(h5::open_file(dir.file("missing.h5")), core::UsageError);
}
