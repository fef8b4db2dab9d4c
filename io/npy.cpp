#include "io/npy.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace neuro::io {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;

std::string header(const char* descr, const std::vector<size_t>& shape) {
  std::string dims;
  for (size_t d : shape) dims += fmt::format("{}, ", d);
  if (shape.size() > 1)
    dims.resize(dims.size() - 2);  // (3,) but (3, 2)
  else if (shape.size() == 1)
    dims.pop_back();
  std::string dict =
      fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}", descr, dims);
  // magic (6) + version (2) + length (2) + dict + padding + '\n' ≡ 0 (mod 64)
  size_t total = kMagicLen + 4 + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict += '\n';
  std::string out(kMagic, kMagicLen);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(dict.size() & 0xff);
  out += static_cast<char>((dict.size() >> 8) & 0xff);
  return out + dict;
}

}  // namespace

std::string npy_header(const char* descr, const std::vector<size_t>& shape) {
  return header(descr, shape);
}

namespace {

template <class T>
void put_le(std::string& out, T v) {
  uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof(T));
  for (size_t b = 0; b < sizeof(T); ++b) out += static_cast<char>((bits >> (8 * b)) & 0xff);
}

template <class T>
std::string bytes_of(const char* descr, const std::vector<T>& data,
                     const std::vector<size_t>& shape) {
  size_t n = 1;
  for (size_t d : shape) n *= d;
  if (n != data.size())
    throw std::invalid_argument(
        fmt::format("npy: shape holds {} elements but there are {}", n, data.size()));
  std::string out = header(descr, shape);
  out.reserve(out.size() + data.size() * sizeof(T));
  for (T v : data) put_le(out, v);
  return out;
}

template <class T>
T get_le(const unsigned char* p) {
  uint64_t bits = 0;
  for (size_t b = 0; b < sizeof(T); ++b) bits |= static_cast<uint64_t>(p[b]) << (8 * b);
  T v;
  std::memcpy(&v, &bits, sizeof(T));
  return v;
}

// The value of `key` in the header dict, as written between the colon and
// the next top-level comma or closing brace.
std::string dict_value(const std::string& dict, const std::string& key, const std::string& name) {
  auto at = dict.find("'" + key + "'");
  if (at == std::string::npos) at = dict.find("\"" + key + "\"");
  if (at == std::string::npos)
    throw FormatError(fmt::format("`{}`: the NPY header has no '{}'", name, key));
  auto colon = dict.find(':', at);
  size_t i = colon == std::string::npos ? colon : dict.find_first_not_of(' ', colon + 1);
  if (i == std::string::npos) throw FormatError(fmt::format("`{}`: malformed NPY header", name));
  size_t end = dict[i] == '(' ? dict.find(')', i) : dict.find_first_of(",}", i);
  if (end == std::string::npos) throw FormatError(fmt::format("`{}`: malformed NPY header", name));
  if (dict[i] == '(') ++end;
  std::string v = dict.substr(i, end - i);
  return v.substr(0, v.find_last_not_of(' ') + 1);
}

}  // namespace

std::string npy_bytes(const std::vector<double>& data, const std::vector<size_t>& shape) {
  return bytes_of("<f8", data, shape);
}
std::string npy_bytes(const std::vector<uint32_t>& data, const std::vector<size_t>& shape) {
  return bytes_of("<u4", data, shape);
}
std::string npy_bytes(const std::vector<int64_t>& data, const std::vector<size_t>& shape) {
  return bytes_of("<i8", data, shape);
}

void note_failure(std::string& error, const std::string& path, int err) {
  if (!error.empty()) return;
  error = err != 0 ? fmt::format("cannot write `{}`: {}", path, std::strerror(err))
                   : fmt::format("cannot write `{}`", path);
}

bool write_file(const std::string& path, const std::string& bytes, std::string& error) {
  const std::string partial = path + ".partial";
  int err = 0;
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    if (!out) err = errno;
    if (out && !out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()))) err = errno;
    out.close();
    if (!out && err == 0) err = errno != 0 ? errno : EIO;
  }
  std::error_code ec;
  if (err == 0) {
    std::filesystem::rename(partial, path, ec);
    if (!ec) return true;
    err = ec.value();
  }
  std::filesystem::remove(partial, ec);
  note_failure(error, path, err);
  return false;
}

NpyArray parse_npy(const std::string& bytes, const std::string& name) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  if (bytes.size() < kMagicLen + 4 || bytes.compare(0, kMagicLen, kMagic, kMagicLen) != 0)
    throw FormatError(
        fmt::format("`{}`: not an NPY file (no \\x93NUMPY magic at the start)", name));
  int major = p[6];
  size_t hlen, hstart;
  if (major == 1) {
    hlen = p[8] | (p[9] << 8);
    hstart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw FormatError(fmt::format("`{}`: truncated NPY header", name));
    hlen = static_cast<size_t>(p[8]) | (static_cast<size_t>(p[9]) << 8) |
           (static_cast<size_t>(p[10]) << 16) | (static_cast<size_t>(p[11]) << 24);
    hstart = 12;
  } else {
    throw FormatError(
        fmt::format("`{}`: NPY format version {}.{} is not supported", name, major, p[7]));
  }
  if (bytes.size() < hstart + hlen)
    throw FormatError(fmt::format("`{}`: truncated: the NPY header needs {} bytes, the file has {}",
                                  name, hstart + hlen, bytes.size()));
  std::string dict = bytes.substr(hstart, hlen);
  if (dict.find('{') == std::string::npos || dict.find('}') == std::string::npos)
    throw FormatError(fmt::format("`{}`: malformed NPY header", name));

  NpyArray a;
  std::string descr = dict_value(dict, "descr", name);
  if (descr.size() < 2 || (descr.front() != '\'' && descr.front() != '"'))
    throw FormatError(fmt::format("`{}`: the NPY dtype `{}` is not supported", name, descr));
  a.descr = descr.substr(1, descr.size() - 2);
  std::string fortran = dict_value(dict, "fortran_order", name);
  if (fortran == "True")
    throw FormatError(fmt::format("`{}`: Fortran-order NPY arrays are not supported", name));
  if (fortran != "False")
    throw FormatError(fmt::format("`{}`: malformed NPY header (fortran_order)", name));
  std::string shape = dict_value(dict, "shape", name);
  if (shape.size() < 2 || shape.front() != '(' || shape.back() != ')')
    throw FormatError(fmt::format("`{}`: malformed NPY header (shape `{}`)", name, shape));
  size_t n = 1;
  {
    std::string inner = shape.substr(1, shape.size() - 2), tok;
    std::istringstream ss(inner);
    while (std::getline(ss, tok, ',')) {
      auto b = tok.find_first_not_of(' ');
      if (b == std::string::npos) continue;
      tok = tok.substr(b, tok.find_last_not_of(' ') - b + 1);
      size_t pos = 0;
      unsigned long long d = 0;
      try {
        d = std::stoull(tok, &pos);
      } catch (...) {
        pos = 0;
      }
      if (pos != tok.size() || tok[0] == '-')
        throw FormatError(fmt::format("`{}`: malformed NPY header (shape `{}`)", name, shape));
      if (d != 0 && n > (uint64_t{1} << 50) / d)
        throw FormatError(fmt::format("`{}`: implausible NPY shape `{}`", name, shape));
      a.shape.push_back(d);
      n *= d;
    }
  }

  size_t width = 0;
  const std::string& d = a.descr;
  if (d == "<f8" || d == "<i8" || d == "<u8")
    width = 8;
  else if (d == "<f4" || d == "<i4" || d == "<u4")
    width = 4;
  else
    throw FormatError(fmt::format(
        "`{}`: the NPY dtype `{}` is not supported (little-endian f4/f8/i4/i8/u4/u8 are)", name,
        d));
  const size_t data_at = hstart + hlen;
  if (bytes.size() - data_at < n * width)
    throw FormatError(
        fmt::format("`{}`: truncated: {} elements of {} need {} bytes of data, the file has {}",
                    name, n, d, n * width, bytes.size() - data_at));
  if (bytes.size() - data_at > n * width)
    throw FormatError(
        fmt::format("`{}`: {} bytes of data after the {} elements the header announces", name,
                    bytes.size() - data_at - n * width, n));
  a.values.resize(n);
  const unsigned char* q = p + data_at;
  for (size_t k = 0; k < n; ++k, q += width) {
    if (d == "<f8")
      a.values[k] = get_le<double>(q);
    else if (d == "<f4")
      a.values[k] = get_le<float>(q);
    else if (d == "<i8")
      a.values[k] = static_cast<double>(get_le<int64_t>(q));
    else if (d == "<i4")
      a.values[k] = get_le<int32_t>(q);
    else if (d == "<u8")
      a.values[k] = static_cast<double>(get_le<uint64_t>(q));
    else
      a.values[k] = get_le<uint32_t>(q);
  }
  return a;
}

NpyArray read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FormatError(fmt::format("`{}`: cannot open the file", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_npy(ss.str(), path);
}

}  // namespace neuro::io
