// A temporal memory (stdlib.temporal_memory) learns a sequence of letters.
// Each letter is a category SDR of 8 columns (neuro/encoders.h); the host
// sets the active columns every step through the embedding API and prints
// the anomaly — the fraction of active columns the memory did not predict.
// Repeated letters ("L" three times, "O" twice) are told apart by context:
// each occurrence learns its own cells within the columns.
//
//   ./build/examples/neuro_tm_letters [passes=12] [text="HELLO WORLD "]
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "neuro/encoders.h"
#include "neuro/engine.h"

namespace {

constexpr uint32_t kLetters = 27;  // A–Z and the space
constexpr uint32_t kWidth = 8;     // columns per letter
constexpr uint32_t kCells = 8;     // cells per column

uint32_t letter_index(char c) {
  return c == ' ' ? 26 : static_cast<uint32_t>(c - 'A');
}

int fail(neuro::Engine& e, const char* what) {
  std::fprintf(stderr, "tm_letters: %s failed\n", what);
  for (const auto& d : e.diagnostics()) std::fprintf(stderr, "%s\n", d.rendered.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const int passes = argc > 1 ? std::atoi(argv[1]) : 12;
  const std::string text = argc > 2 ? argv[2] : "HELLO WORLD ";
  for (char c : text)
    if (!(c == ' ' || (c >= 'A' && c <= 'Z'))) {
      std::fprintf(stderr, "tm_letters: the text may hold capital letters and spaces only\n");
      return 2;
    }
  const uint32_t columns = kLetters * kWidth, n = columns * kCells;
  neuro::Engine e;
  const std::string model = R"(
import stdlib.temporal_memory
circuit Letters {
  cells = TMCell[)" + std::to_string(n) +
                            R"(] { cells_per_column = )" + std::to_string(kCells) + R"( }
  connect cells -> cells.distal via Distal {
    activation_threshold = 6, matching_threshold = 4, initial = 0.55, max_new = 8,
    increment = 0.1, decrement = 0.05, punish = 0.02
  }
  record predictive of cells
}
run Letters for 1 ms
)";
  if (e.load_text(model, "letters.neuro") != neuro::Status::Ok) return fail(e, "loading");
  if (e.build() != neuro::Status::Ok) return fail(e, "building");
  neuro::CategoryEncoder encoder(kLetters, kWidth);
  std::vector<double> column(n, 0.0), times, values;
  std::vector<uint32_t> ids;
  std::printf("pass  anomaly per letter of \"%s\"\n", text.c_str());
  for (int pass = 0; pass < passes; ++pass) {
    std::printf("%4d ", pass + 1);
    double total = 0;
    for (char c : text) {
      // What the memory predicts now: the predictive cells of the last step.
      std::set<uint32_t> predicted;
      if (e.trace("cells.predictive", "", times, ids, values) == neuro::Status::Ok) {
        const size_t row = times.size() - 1;
        for (size_t k = 0; k < ids.size(); ++k)
          if (values[row * ids.size() + k] != 0) predicted.insert(ids[k] / kCells);
      }
      const neuro::Sdr sdr = encoder.encode(letter_index(c));
      std::fill(column.begin(), column.end(), 0.0);
      size_t missed = 0;
      for (uint32_t col : sdr.active()) {
        for (uint32_t k = 0; k < kCells; ++k) column[col * kCells + k] = 1;
        missed += !predicted.count(col);
      }
      if (e.set("cells.column", "", column) != neuro::Status::Ok) return fail(e, "set");
      if (e.step() != neuro::Status::Ok) return fail(e, "step");
      const double anomaly = static_cast<double>(missed) / kWidth;
      total += anomaly;
      std::printf(" %c%.2f", c == ' ' ? '_' : c, anomaly);
    }
    std::printf("   mean %.3f\n", total / static_cast<double>(text.size()));
  }
  return 0;
}
