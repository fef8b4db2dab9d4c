// libFuzzer target: bytes read back as recordings — as an NPY array, and
// as a spike CSV, a state CSV and an index in a folder of their own. Any
// input must be read or refused with a FormatError naming the file.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "io/npy.h"
#include "io/recording_files.h"

namespace fs = std::filesystem;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    (void)neuro::io::parse_npy(bytes, "fuzz.npy");
  } catch (const neuro::io::FormatError&) {
  }
  static const fs::path dir =
      fs::temp_directory_path() / ("neuro_fuzz_rec_" + std::to_string(getpid()));
  for (const char* name : {"P_spikes.csv", "P_v.csv", "recordings.tsv"}) {
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::ofstream(dir / name, std::ios::binary) << bytes;
    try {
      (void)neuro::io::read_recordings({dir.string()});
    } catch (const neuro::io::FormatError&) {
    }
  }
  return 0;
}
