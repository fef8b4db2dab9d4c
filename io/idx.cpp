#include "io/idx.h"

#include <fmt/format.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>

namespace neuro::io {

namespace {

// gzread reads gzip and plain files alike.
struct GzFile {
  gzFile f = nullptr;
  ~GzFile() {
    if (f) gzclose(f);
  }
};

void read_exact(gzFile f, void* out, size_t n, const std::string& path, const char* what) {
  auto* p = static_cast<uint8_t*>(out);
  while (n > 0) {
    unsigned chunk = static_cast<unsigned>(std::min<size_t>(n, 1u << 30));
    int got = gzread(f, p, chunk);
    if (got <= 0)
      throw IdxError(
          fmt::format("{}: the file ends in its {}; it is truncated or corrupt", path, what));
    p += got;
    n -= static_cast<size_t>(got);
  }
}

}  // namespace

IdxArray read_idx(const std::string& path) {
  if (!std::filesystem::exists(path)) throw IdxError(fmt::format("{}: no such file", path));
  GzFile g;
  g.f = gzopen(path.c_str(), "rb");
  if (!g.f) throw IdxError(fmt::format("{}: cannot be opened", path));
  uint8_t magic[4];
  read_exact(g.f, magic, 4, path, "header");
  if (magic[0] != 0 || magic[1] != 0)
    throw IdxError(fmt::format("{}: not an IDX file (its first bytes are not 0 0)", path));
  if (magic[2] != 0x08)
    throw IdxError(
        fmt::format("{}: IDX element type 0x{:02x} is not supported (only unsigned "
                    "bytes, 0x08)",
                    path, magic[2]));
  const int ndims = magic[3];
  if (ndims < 1 || ndims > 8)
    throw IdxError(fmt::format("{}: an IDX file with {} dimensions is corrupt", path, ndims));
  IdxArray a;
  uint64_t total = 1;
  for (int d = 0; d < ndims; ++d) {
    uint8_t b[4];
    read_exact(g.f, b, 4, path, "header");
    uint32_t n = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
    a.dims.push_back(n);
    total *= n;
    if (total > (uint64_t{1} << 34))
      throw IdxError(fmt::format("{}: dimensions too large; the header is corrupt", path));
  }
  a.data.resize(static_cast<size_t>(total));
  read_exact(g.f, a.data.data(), a.data.size(), path, "data");
  uint8_t extra;
  if (gzread(g.f, &extra, 1) > 0)
    throw IdxError(fmt::format("{}: bytes after the data; the header is corrupt", path));
  return a;
}

std::string fashion_mnist_dir() {
  const char* env = std::getenv("NEURO_FASHION_MNIST");
  return env && *env ? env : "/usr/share/datasets/fashion-mnist";
}

LabelledImages load_fashion_mnist(const std::string& split, size_t limit, const std::string& dir) {
  auto file = [&](const char* kind) {
    for (const char* ext : {"-ubyte.gz", "-ubyte"}) {
      std::string p = fmt::format("{}/{}-{}{}", dir, split, kind, ext);
      if (std::filesystem::exists(p)) return p;
    }
    throw IdxError(
        fmt::format("{}/{}-{}-ubyte.gz: no such file (install Fashion-MNIST with "
                    "`sudo apt-get install dataset-fashion-mnist`, or point "
                    "NEURO_FASHION_MNIST at a folder holding the IDX files)",
                    dir, split, kind));
  };
  IdxArray img = read_idx(file("images-idx3"));
  IdxArray lab = read_idx(file("labels-idx1"));
  if (img.dims.size() != 3 || lab.dims.size() != 1 || img.dims[0] != lab.dims[0])
    throw IdxError(fmt::format("{}: the {} images and labels do not match", dir, split));
  LabelledImages out;
  out.count = limit > 0 ? std::min<size_t>(limit, img.dims[0]) : img.dims[0];
  out.pixels = size_t{img.dims[1]} * img.dims[2];
  out.images.resize(out.count * out.pixels);
  for (size_t k = 0; k < out.images.size(); ++k) out.images[k] = img.data[k] / 255.0;
  out.labels.assign(lab.data.begin(), lab.data.begin() + static_cast<std::ptrdiff_t>(out.count));
  for (uint8_t l : out.labels)
    if (l > 9) throw IdxError(fmt::format("{}: label {} is not a class 0–9", dir, l));
  return out;
}

}  // namespace neuro::io
