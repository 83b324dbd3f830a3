#include "core/hdf5_util.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <numeric>

#include "core/error.h"

namespace hitforge::core::h5 {

void silence_errors() {
  static std::once_flag once;
  std::call_once(once, [] { H5::Exception::dontPrint(); });
}

H5::H5File create_file(const std::string& path) {
  silence_errors();
  try {
    return H5::H5File(path, H5F_ACC_TRUNC);
  } catch (const H5::Exception&) {
    throw UsageError(str_cat("cannot create HDF5 file '", path, "'"));
  }
}

H5::H5File open_file(const std::string& path, bool writable) {
  silence_errors();
  try {
    return H5::H5File(path, writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY);
  } catch (const H5::Exception&) {
    throw UsageError(str_cat("cannot open '", path, "' as an HDF5 file (missing, unreadable or not HDF5)"));
  }
}

bool exists(const H5::Group& parent, const std::string& path) {
  // Check each component: H5Lexists fails on a missing intermediate group.
  size_t pos = 0;
  while (true) {
    size_t next = path.find('/', pos);
    std::string prefix = path.substr(0, next);
    if (!prefix.empty() && H5Lexists(parent.getId(), prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (next == std::string::npos) return true;
    pos = next + 1;
  }
}

H5::Group require_group(H5::Group parent, const std::string& path) {
  size_t pos = 0;
  H5::Group g = parent;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    std::string part = path.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    if (!part.empty()) g = exists(g, part) ? g.openGroup(part) : g.createGroup(part);
    if (next == std::string::npos) break;
    pos = next + 1;
  }
  return g;
}

template <> const H5::PredType& native_type<float>() { return H5::PredType::NATIVE_FLOAT; }
template <> const H5::PredType& native_type<double>() { return H5::PredType::NATIVE_DOUBLE; }
template <> const H5::PredType& native_type<std::int8_t>() { return H5::PredType::NATIVE_INT8; }
template <> const H5::PredType& native_type<std::uint8_t>() { return H5::PredType::NATIVE_UINT8; }
template <> const H5::PredType& native_type<std::int16_t>() { return H5::PredType::NATIVE_INT16; }
template <> const H5::PredType& native_type<std::int32_t>() { return H5::PredType::NATIVE_INT32; }
template <> const H5::PredType& native_type<std::uint32_t>() { return H5::PredType::NATIVE_UINT32; }
template <> const H5::PredType& native_type<std::int64_t>() { return H5::PredType::NATIVE_INT64; }
template <> const H5::PredType& native_type<std::uint64_t>() { return H5::PredType::NATIVE_UINT64; }

H5::StrType vlen_string_type() {
  H5::StrType t(H5::PredType::C_S1, H5T_VARIABLE);
  t.setCset(H5T_CSET_UTF8);
  return t;
}

Appender::Appender(H5::Group parent, const std::string& name, const H5::DataType& type, hsize_t cols,
                   hsize_t chunk_rows, int deflate_level)
    : type_(type), cols_(cols) {
  int rank = cols ? 2 : 1;
  hsize_t dims[2] = {0, cols}, maxdims[2] = {H5S_UNLIMITED, cols};
  hsize_t chunk[2] = {std::max<hsize_t>(1, chunk_rows), std::max<hsize_t>(1, cols)};
  H5::DataSpace space(rank, dims, maxdims);
  H5::DSetCreatPropList props;
  props.setChunk(rank, chunk);
  if (deflate_level > 0) {
    props.setShuffle();
    props.setDeflate(deflate_level);
  }
  ds_ = parent.createDataSet(name, type, space, props);
}

void Appender::append(const void* data, hsize_t rows) {
  if (rows == 0) return;
  int rank = cols_ ? 2 : 1;
  hsize_t new_dims[2] = {rows_ + rows, cols_};
  ds_.extend(new_dims);
  H5::DataSpace file_space = ds_.getSpace();
  hsize_t start[2] = {rows_, 0}, count[2] = {rows, cols_};
  file_space.selectHyperslab(H5S_SELECT_SET, count, start);
  H5::DataSpace mem_space(rank, count);
  ds_.write(data, type_, mem_space, file_space);
  rows_ += rows;
}

StringAppender::StringAppender(H5::Group parent, const std::string& name, hsize_t chunk_rows, int deflate_level)
    : inner_(parent, name, vlen_string_type(), 0, chunk_rows, deflate_level) {}

void StringAppender::append(const std::vector<std::string>& values) {
  std::vector<const char*> ptrs(values.size());
  for (size_t i = 0; i < values.size(); ++i) ptrs[i] = values[i].c_str();
  inner_.append(ptrs.data(), ptrs.size());
}

namespace {
H5::Attribute fresh_attr(H5::H5Object& obj, const std::string& name, const H5::DataType& t,
                         const H5::DataSpace& s) {
  if (obj.attrExists(name)) obj.removeAttr(name);
  return obj.createAttribute(name, t, s);
}
}  // namespace

void write_attr(H5::H5Object& obj, const std::string& name, const std::string& value) {
  H5::StrType t = vlen_string_type();
  const char* p = value.c_str();
  fresh_attr(obj, name, t, H5::DataSpace(H5S_SCALAR)).write(t, &p);
}
void write_attr(H5::H5Object& obj, const std::string& name, std::int64_t value) {
  fresh_attr(obj, name, H5::PredType::NATIVE_INT64, H5::DataSpace(H5S_SCALAR))
      .write(H5::PredType::NATIVE_INT64, &value);
}
void write_attr(H5::H5Object& obj, const std::string& name, double value) {
  fresh_attr(obj, name, H5::PredType::NATIVE_DOUBLE, H5::DataSpace(H5S_SCALAR))
      .write(H5::PredType::NATIVE_DOUBLE, &value);
}
void write_attr(H5::H5Object& obj, const std::string& name, const std::vector<std::string>& values) {
  H5::StrType t = vlen_string_type();
  hsize_t n = values.size();
  std::vector<const char*> ptrs(values.size());
  for (size_t i = 0; i < values.size(); ++i) ptrs[i] = values[i].c_str();
  H5::DataSpace s = n ? H5::DataSpace(1, &n) : H5::DataSpace(H5S_NULL);
  auto a = fresh_attr(obj, name, t, s);
  if (n) a.write(t, ptrs.data());
}

bool has_attr(const H5::H5Object& obj, const std::string& name) { return obj.attrExists(name); }

std::string read_attr_string(const H5::H5Object& obj, const std::string& name) {
  HITFORGE_REQUIRE(obj.attrExists(name), "HDF5 attribute '", name, "' is missing");
  H5::Attribute a = obj.openAttribute(name);
  std::string out;
  a.read(a.getStrType(), out);
  return out;
}
std::int64_t read_attr_int(const H5::H5Object& obj, const std::string& name) {
  HITFORGE_REQUIRE(obj.attrExists(name), "HDF5 attribute '", name, "' is missing");
  std::int64_t v = 0;
  obj.openAttribute(name).read(H5::PredType::NATIVE_INT64, &v);
  return v;
}
double read_attr_double(const H5::H5Object& obj, const std::string& name) {
  HITFORGE_REQUIRE(obj.attrExists(name), "HDF5 attribute '", name, "' is missing");
  double v = 0;
  obj.openAttribute(name).read(H5::PredType::NATIVE_DOUBLE, &v);
  return v;
}
std::vector<std::string> read_attr_strings(const H5::H5Object& obj, const std::string& name) {
  HITFORGE_REQUIRE(obj.attrExists(name), "HDF5 attribute '", name, "' is missing");
  H5::Attribute a = obj.openAttribute(name);
  H5::DataSpace s = a.getSpace();
  if (s.getSimpleExtentType() == H5S_NULL) return {};
  hsize_t n = s.getSimpleExtentNpoints();
  std::vector<char*> ptrs(n, nullptr);
  H5::StrType t = vlen_string_type();
  a.read(t, ptrs.data());
  std::vector<std::string> out(ptrs.begin(), ptrs.end());
  H5Dvlen_reclaim(t.getId(), s.getId(), H5P_DEFAULT, ptrs.data());
  return out;
}

std::vector<hsize_t> shape(const H5::DataSet& ds) {
  H5::DataSpace s = ds.getSpace();
  int rank = s.getSimpleExtentNdims();
  std::vector<hsize_t> dims(rank);
  if (rank) s.getSimpleExtentDims(dims.data());
  return dims;
}

template <class T>
void write_array(H5::Group parent, const std::string& name, const std::vector<T>& data, hsize_t cols,
                 int deflate_level) {
  hsize_t rows = cols ? data.size() / cols : data.size();
  HITFORGE_CHECK(!cols || rows * cols == data.size(), "array size ", data.size(), " is not a multiple of ", cols);
  Appender a(parent, name, native_type<T>(), cols, std::clamp<hsize_t>(rows, 1, 65536), deflate_level);
  a.append(data.data(), rows);
}

void write_strings(H5::Group parent, const std::string& name, const std::vector<std::string>& values,
                   int deflate_level) {
  StringAppender a(parent, name, std::clamp<hsize_t>(values.size(), 1, 16384), deflate_level);
  a.append(values);
}

template <class T>
void read_rows(const H5::DataSet& ds, hsize_t start, hsize_t count, std::vector<T>& out) {
  auto dims = shape(ds);
  HITFORGE_CHECK(!dims.empty() && dims.size() <= 2, "expected a 1-D or 2-D dataset");
  HITFORGE_REQUIRE(start + count <= dims[0], "row range [", start, ", ", start + count, ") is past the end (",
                   dims[0], " rows)");
  hsize_t cols = dims.size() == 2 ? dims[1] : 1;
  out.resize(count * cols);
  if (count == 0) return;
  H5::DataSpace file_space = ds.getSpace();
  hsize_t off[2] = {start, 0}, cnt[2] = {count, cols};
  file_space.selectHyperslab(H5S_SELECT_SET, cnt, off);
  H5::DataSpace mem_space(static_cast<int>(dims.size()), cnt);
  ds.read(out.data(), native_type<T>(), mem_space, file_space);
}

template <class T>
std::vector<T> read_all(const H5::DataSet& ds) {
  std::vector<T> out;
  auto dims = shape(ds);
  read_rows<T>(ds, 0, dims.empty() ? 0 : dims[0], out);
  return out;
}

template <class T>
void read_indexed_rows(const H5::DataSet& ds, const std::vector<std::int64_t>& indices, std::vector<T>& out) {
  auto dims = shape(ds);
  HITFORGE_CHECK(!dims.empty() && dims.size() <= 2, "expected a 1-D or 2-D dataset");
  hsize_t cols = dims.size() == 2 ? dims[1] : 1;
  out.resize(indices.size() * cols);
  if (indices.empty()) return;
  // Sort once, coalesce into runs of consecutive rows, read them with one selection, then scatter back.
  std::vector<size_t> order(indices.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return indices[a] < indices[b]; });
  std::vector<std::int64_t> uniq;
  for (size_t k : order) {
    auto r = indices[k];
    HITFORGE_REQUIRE(r >= 0 && static_cast<hsize_t>(r) < dims[0], "row ", r, " is out of range (", dims[0], " rows)");
    if (uniq.empty() || uniq.back() != r) uniq.push_back(r);
  }
  H5::DataSpace file_space = ds.getSpace();
  file_space.selectNone();
  for (size_t i = 0; i < uniq.size();) {
    size_t j = i + 1;
    while (j < uniq.size() && uniq[j] == uniq[j - 1] + 1) ++j;
    hsize_t off[2] = {static_cast<hsize_t>(uniq[i]), 0}, cnt[2] = {j - i, cols};
    file_space.selectHyperslab(H5S_SELECT_OR, cnt, off);
    i = j;
  }
  std::vector<T> buf(uniq.size() * cols);
  hsize_t mem_dims[2] = {uniq.size(), cols};
  H5::DataSpace mem_space(static_cast<int>(dims.size()), mem_dims);
  ds.read(buf.data(), native_type<T>(), mem_space, file_space);
  for (size_t k = 0; k < indices.size(); ++k) {
    size_t u = std::lower_bound(uniq.begin(), uniq.end(), indices[k]) - uniq.begin();
    std::memcpy(&out[k * cols], &buf[u * cols], cols * sizeof(T));
  }
}

std::vector<std::string> read_strings(const H5::DataSet& ds, hsize_t start, hsize_t count) {
  auto dims = shape(ds);
  HITFORGE_CHECK(dims.size() == 1, "expected a 1-D string dataset");
  HITFORGE_REQUIRE(start + count <= dims[0], "string range past the end of the dataset");
  if (count == 0) return {};
  std::vector<char*> ptrs(count, nullptr);
  H5::DataSpace file_space = ds.getSpace();
  file_space.selectHyperslab(H5S_SELECT_SET, &count, &start);
  H5::DataSpace mem_space(1, &count);
  H5::StrType t = vlen_string_type();
  ds.read(ptrs.data(), t, mem_space, file_space);
  std::vector<std::string> out(count);
  for (hsize_t i = 0; i < count; ++i) out[i] = ptrs[i] ? ptrs[i] : "";
  H5Dvlen_reclaim(t.getId(), mem_space.getId(), H5P_DEFAULT, ptrs.data());
  return out;
}

std::vector<std::string> read_strings(const H5::DataSet& ds) {
  auto dims = shape(ds);
  return read_strings(ds, 0, dims.empty() ? 0 : dims[0]);
}

#define HITFORGE_H5_INSTANTIATE(T)                                                                   \
  template void write_array<T>(H5::Group, const std::string&, const std::vector<T>&, hsize_t, int); \
  template void read_rows<T>(const H5::DataSet&, hsize_t, hsize_t, std::vector<T>&);               \
  template std::vector<T> read_all<T>(const H5::DataSet&);                                         \
  template void read_indexed_rows<T>(const H5::DataSet&, const std::vector<std::int64_t>&, std::vector<T>&);
HITFORGE_H5_INSTANTIATE(float)
HITFORGE_H5_INSTANTIATE(double)
HITFORGE_H5_INSTANTIATE(std::int8_t)
HITFORGE_H5_INSTANTIATE(std::uint8_t)
HITFORGE_H5_INSTANTIATE(std::int16_t)
HITFORGE_H5_INSTANTIATE(std::int32_t)
HITFORGE_H5_INSTANTIATE(std::uint32_t)
HITFORGE_H5_INSTANTIATE(std::int64_t)
HITFORGE_H5_INSTANTIATE(std::uint64_t)

}  // namespace hitforge::core::h5
