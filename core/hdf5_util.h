#pragma once
// RAII-friendly helpers over the HDF5 C++ API (H5Cpp.h) for the dataset format: extendible chunked, compressed
// datasets that are appended to in blocks (so writers stream), variable-length UTF-8 strings, and attributes.
// HDF5 errors are turned into UsageError naming the file and object.
#include <H5Cpp.h>

#include <cstdint>
#include <string>
#include <vector>

namespace hitforge::core::h5 {

/// Stops the HDF5 library printing its error stack to stderr (we report errors ourselves). Idempotent.
void silence_errors();

H5::H5File create_file(const std::string& path);  ///< truncates
H5::H5File open_file(const std::string& path, bool writable = false);
bool exists(const H5::Group& parent, const std::string& path);
/// Opens "a/b/c", creating missing intermediate groups.
H5::Group require_group(H5::Group parent, const std::string& path);

/// Native HDF5 type for a C++ arithmetic type.
template <class T> const H5::PredType& native_type();

/// An extendible dataset of shape [rows, cols] (cols = 0 means 1-D [rows]) that grows as blocks are appended.
class Appender {
 public:
  Appender() = default;
  Appender(H5::Group parent, const std::string& name, const H5::DataType& type, hsize_t cols,
           hsize_t chunk_rows, int deflate_level);
  /// Appends `rows` rows from contiguous row-major memory of the dataset's type.
  void append(const void* data, hsize_t rows);
  hsize_t rows() const { return rows_; }
  H5::DataSet& dataset() { return ds_; }

 private:
  H5::DataSet ds_;
  H5::DataType type_;
  hsize_t cols_ = 0, rows_ = 0;
};

/// An extendible 1-D dataset of variable-length UTF-8 strings.
class StringAppender {
 public:
  StringAppender() = default;
  StringAppender(H5::Group parent, const std::string& name, hsize_t chunk_rows, int deflate_level);
  void append(const std::vector<std::string>& values);
  hsize_t rows() const { return inner_.rows(); }

 private:
  Appender inner_;
};

H5::StrType vlen_string_type();

void write_attr(H5::H5Object& obj, const std::string& name, const std::string& value);
void write_attr(H5::H5Object& obj, const std::string& name, std::int64_t value);
void write_attr(H5::H5Object& obj, const std::string& name, double value);
void write_attr(H5::H5Object& obj, const std::string& name, const std::vector<std::string>& values);
bool has_attr(const H5::H5Object& obj, const std::string& name);
std::string read_attr_string(const H5::H5Object& obj, const std::string& name);
std::int64_t read_attr_int(const H5::H5Object& obj, const std::string& name);
double read_attr_double(const H5::H5Object& obj, const std::string& name);
std::vector<std::string> read_attr_strings(const H5::H5Object& obj, const std::string& name);

/// Shape of a dataset (one entry per dimension).
std::vector<hsize_t> shape(const H5::DataSet& ds);

/// Writes a whole 1-D or 2-D array at once (cols = 0 → 1-D), chunked + deflated when large enough.
template <class T>
void write_array(H5::Group parent, const std::string& name, const std::vector<T>& data, hsize_t cols = 0,
                 int deflate_level = 4);
void write_strings(H5::Group parent, const std::string& name, const std::vector<std::string>& values,
                   int deflate_level = 4);

/// Reads rows [start, start+count) of a 1-D or 2-D dataset into `out` (row-major), converting to T.
template <class T>
void read_rows(const H5::DataSet& ds, hsize_t start, hsize_t count, std::vector<T>& out);
/// Reads a whole 1-D or 2-D dataset.
template <class T>
std::vector<T> read_all(const H5::DataSet& ds);
/// Reads the rows at sorted-or-not `indices` of a dataset (one hyperslab union; result in the order given).
template <class T>
void read_indexed_rows(const H5::DataSet& ds, const std::vector<std::int64_t>& indices, std::vector<T>& out);
std::vector<std::string> read_strings(const H5::DataSet& ds, hsize_t start, hsize_t count);
std::vector<std::string> read_strings(const H5::DataSet& ds);

}  // namespace hitforge::core::h5
