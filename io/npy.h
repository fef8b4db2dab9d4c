// NPY files (NumPy's format, version 1.0): our own small writer and a reader
// for the files it writes. Little-endian, C order; dtypes <f8, <u4 and <i8
// are written, and the reader also takes <f4, <i4 and <u8.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace neuro::io {

// A file that is missing, not NPY, truncated or of a kind we do not read.
// The message names the file.
struct FormatError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The bytes of an NPY file: magic, version 1.0, the header dict padded with
// spaces and a newline to a multiple of 64 bytes, then the data.
// `shape` must multiply to the number of elements.
std::string npy_bytes(const std::vector<double>& data, const std::vector<size_t>& shape);
std::string npy_bytes(const std::vector<uint32_t>& data, const std::vector<size_t>& shape);
std::string npy_bytes(const std::vector<int64_t>& data, const std::vector<size_t>& shape);

// The header npy_bytes starts with: for files written in pieces.
std::string npy_header(const char* descr, const std::vector<size_t>& shape);

// Writes `bytes` as `path`: into PATH.partial, renamed when complete, so a
// failure (a full disk) never leaves a truncated file under the real name.
// On failure `error` names the file and the system's reason, unless it
// already holds an earlier failure (the first one is the one to report).
bool write_file(const std::string& path, const std::string& bytes, std::string& error);
// Sets `error` to "cannot write `path`: reason" unless it holds one already.
void note_failure(std::string& error, const std::string& path, int err);

struct NpyArray {
  std::string descr;           // "<f8", "<u4", ...
  std::vector<size_t> shape;   // () for a scalar
  std::vector<double> values;  // every element converted to double, C order
  size_t size() const { return values.size(); }
};

// Parses an NPY file's bytes; `name` is used in error messages.
NpyArray parse_npy(const std::string& bytes, const std::string& name);
// Reads and parses `path`. Throws FormatError naming the file.
NpyArray read_npy(const std::string& path);

}  // namespace neuro::io
