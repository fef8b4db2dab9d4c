// IDX files (the MNIST / Fashion-MNIST format): a big-endian header giving
// the element type and the dimensions, then the elements. Files may be
// gzip-compressed (as Debian's dataset-fashion-mnist ships them).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace neuro::io {

// A file that is missing, truncated or not IDX; the message names the path.
struct IdxError : std::runtime_error {
  explicit IdxError(const std::string& message) : std::runtime_error(message) {}
};

struct IdxArray {
  std::vector<uint32_t> dims;  // e.g. {60000, 28, 28} for images, {60000} for labels
  std::vector<uint8_t> data;   // row-major, product of dims bytes
};

// Reads an IDX file of unsigned bytes (type 0x08), plain or gzip-compressed.
// Throws IdxError.
IdxArray read_idx(const std::string& path);

// Where Fashion-MNIST lives: $NEURO_FASHION_MNIST when set, else Debian's
// /usr/share/datasets/fashion-mnist.
std::string fashion_mnist_dir();

// A split of Fashion-MNIST: images as doubles in [0, 1] (784 per image, one
// image after another) and labels 0–9. `limit` > 0 keeps the first `limit`.
struct LabelledImages {
  size_t count = 0, pixels = 0;
  std::vector<double> images;
  std::vector<uint8_t> labels;
};
// split: "train" or "t10k". Throws IdxError (with a hint to install the
// dataset when the files are missing).
LabelledImages load_fashion_mnist(const std::string& split, size_t limit = 0,
                                  const std::string& dir = fashion_mnist_dir());

}  // namespace neuro::io
