#include "io/recording_files.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "io/npy.h"
#include "io/svg_plot.h"

namespace neuro::io {

namespace fs = std::filesystem;

std::optional<Format> parse_format(const std::string& name) {
  if (name == "csv") return Format::csv;
  if (name == "npy") return Format::npy;
  return std::nullopt;
}

namespace {

// ---------------------------------------------------------------- writing

// File names already used in one folder; a base whose files are taken gets
// _2, _3, … (the first recording keeps the plain name).
struct Names {
  std::set<std::string> taken;
  std::string claim(const std::string& base, const std::vector<std::string>& suffixes) {
    for (int n = 1;; ++n) {
      std::string b = n == 1 ? base : fmt::format("{}_{}", base, n);
      bool free = std::none_of(suffixes.begin(), suffixes.end(),
                               [&](const auto& s) { return taken.count(b + s); });
      if (free) {
        for (const auto& s : suffixes) taken.insert(b + s);
        return b;
      }
    }
  }
};

// The unit as it can appear in a CSV column name: mV/ms → mVpms, m^2 → m_2.
std::string csv_unit(const std::string& unit) {
  std::string u = unit == "1" || unit.empty() ? "" : "_" + unit;
  for (char& c : u)
    if (c == '/' || c == '*' || c == '^' || c == ' ') c = c == '/' ? 'p' : '_';
  return u;
}

// Calls f(id, t) for every spike, in order (t in seconds).
template <class F>
void for_each_spike(const SpikeRecording& r, F&& f) {
  for (size_t k = 0; k < r.ids.size(); ++k) f(r.ids[k], r.times[k]);
}
template <class F>
void for_each_spike(const SpikeView& v, F&& f) {
  v.for_each(f);
}
size_t spike_count(const SpikeRecording& r) {
  return r.ids.size();
}
size_t spike_count(const SpikeView& v) {
  return v.size;
}

// A file written in pieces of about 64 kB rather than built whole: the
// bytes of a long recording take several times the recording's own memory.
// It is written as PATH.partial and renamed when complete, so a full disk
// or an error never leaves a truncated file under the real name.
struct PieceFile {
  std::string path, partial;
  std::ofstream out;
  std::string text;
  int failed_errno = 0;
  explicit PieceFile(const std::string& p)
      : path(p), partial(p + ".partial"), out(partial, std::ios::binary | std::ios::trunc) {
    if (!out) failed_errno = errno;
  }
  void spill(size_t at_least = 1u << 16) {
    if (text.size() < at_least) return;
    if (out && !out.write(text.data(), static_cast<std::streamsize>(text.size())) &&
        failed_errno == 0)
      failed_errno = errno;
    text.clear();
  }
  bool close(std::string& error) {
    spill(0);
    out.close();
    if (!out && failed_errno == 0) failed_errno = errno;
    std::error_code ec;
    if (!out || failed_errno != 0) {
      fs::remove(partial, ec);
      note_failure(error, path, failed_errno);
      return false;
    }
    fs::rename(partial, path, ec);
    if (ec) {
      fs::remove(partial, ec);
      note_failure(error, path, ec.value());
      return false;
    }
    return true;
  }
};

template <class Spikes>
bool write_spikes_csv(const std::string& path, const Spikes& r, std::string& error) {
  PieceFile f(path);
  f.text = "id,t_ms\n";
  for_each_spike(r, [&](uint32_t id, double t) {
    fmt::format_to(std::back_inserter(f.text), "{},{:.10g}\n", id, t * 1e3);
    f.spill();
  });
  return f.close(error);
}

// The NPY file of the spikes' ids (<u4) or of their times in ms (<f8):
// the bytes npy_bytes gives, little-endian.
template <class Spikes>
bool write_spikes_npy(const std::string& path, const Spikes& r, bool times, std::string& error) {
  PieceFile f(path);
  f.text = npy_header(times ? "<f8" : "<u4", {spike_count(r)});
  for_each_spike(r, [&](uint32_t id, double t) {
    uint64_t bits = id;
    if (times) {
      const double ms = t * 1e3;
      std::memcpy(&bits, &ms, sizeof ms);
    }
    for (int b = 0; b < (times ? 8 : 4); ++b) f.text += static_cast<char>((bits >> (8 * b)) & 0xff);
    f.spill();
  });
  return f.close(error);
}

std::string state_csv(const StateRecording& r) {
  std::string text = fmt::format("t_ms,id,{}{}\n", r.variable, csv_unit(r.unit));
  const size_t n = r.ids.size();
  for (size_t s = 0; s < r.times.size(); ++s)
    for (size_t k = 0; k < n; ++k)
      text += fmt::format("{:.10g},{},{:.10g}\n", r.times[s] * 1e3, r.ids[k],
                          r.values[s * n + k] / r.unit_scale);
  return text;
}

std::vector<double> times_ms(const std::vector<double>& seconds) {
  std::vector<double> out(seconds.size());
  for (size_t k = 0; k < seconds.size(); ++k) out[k] = seconds[k] * 1e3;
  return out;
}

std::string field(const std::string& s) {
  return s.empty() ? "-" : s;
}

// ---------------------------------------------------------------- reading

// One recording found on disk, before its data is read.
struct Entry {
  bool spikes = true;
  std::string population, variable, unit;
  size_t size = 0;
  double duration_ms = 0, dt_ms = 0;
  std::vector<fs::path> files;  // CSV: one; NPY spikes: id, t_ms; NPY state: values, t_ms, id
  bool npy() const { return files.front().extension() == ".npy"; }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw FormatError(fmt::format("`{}`: cannot open the file", p.string()));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string first_line(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw FormatError(fmt::format("`{}`: cannot open the file", p.string()));
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// "P_spikes" or "P_spikes_2" → "P"; anything else unchanged.
std::string population_of_spikes(const std::string& base) {
  std::string b = base;
  auto us = b.rfind('_');
  if (us != std::string::npos && us + 1 < b.size() &&
      std::all_of(b.begin() + static_cast<long>(us) + 1, b.end(),
                  [](char c) { return c >= '0' && c <= '9'; }))
    b.resize(us);
  return ends_with(b, "_spikes") ? b.substr(0, b.size() - 7) : base;
}

// A state CSV `<pop>_<var>[_N].csv` with the column `<var>[_<unit>]`: the
// longest variable that fits both.
void split_state_csv(const std::string& stem, const std::string& column, Entry& e) {
  std::string s = stem;
  auto us = s.rfind('_');
  std::string plain = s;
  if (us != std::string::npos && us + 1 < s.size() &&
      std::all_of(s.begin() + static_cast<long>(us) + 1, s.end(),
                  [](char c) { return c >= '0' && c <= '9'; }))
    plain = s.substr(0, us);
  for (size_t at = 0; (at = plain.find('_', at)) != std::string::npos; ++at) {
    std::string var = plain.substr(at + 1);
    if (!var.empty() && (column == var || column.rfind(var + "_", 0) == 0)) {
      e.population = plain.substr(0, at);
      e.variable = var;
      e.unit = column == var ? "" : column.substr(var.size() + 1);
      return;
    }
  }
  e.population = plain;
  e.variable = column;
}

// The recordings listed in `dir`/recordings.tsv; nullopt when there is none.
std::optional<std::vector<Entry>> read_index(const fs::path& dir) {
  fs::path p = dir / kIndexFile;
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return std::nullopt;
  std::istringstream in(slurp(p));
  std::vector<Entry> out;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#' || line.rfind("kind\t", 0) == 0) continue;
    std::vector<std::string> f;
    std::istringstream ls(line);
    for (std::string x; std::getline(ls, x, '\t');) f.push_back(x);
    auto bad = [&](const std::string& why) {
      return FormatError(fmt::format("`{}`:{}: {}", p.string(), n, why));
    };
    if (f.size() != 8)
      throw bad(fmt::format("expected 8 tab-separated fields, found {}", f.size()));
    if (f[0] != "spikes" && f[0] != "state") throw bad(fmt::format("unknown kind `{}`", f[0]));
    Entry e;
    e.spikes = f[0] == "spikes";
    e.population = f[1];
    e.variable = f[2] == "-" ? "" : f[2];
    e.unit = f[3] == "-" ? "" : f[3];
    char* end = nullptr;
    e.size = std::strtoull(f[4].c_str(), &end, 10);
    if (*end) throw bad(fmt::format("bad population size `{}`", f[4]));
    e.duration_ms = std::strtod(f[5].c_str(), &end);
    if (*end) throw bad(fmt::format("bad duration `{}`", f[5]));
    e.dt_ms = std::strtod(f[6].c_str(), &end);
    if (*end) throw bad(fmt::format("bad step `{}`", f[6]));
    std::istringstream fs_(f[7]);
    for (std::string x; std::getline(fs_, x, ',');) e.files.push_back(dir / x);
    size_t want = e.files.empty() || e.files.front().extension() != ".npy" ? 1 : e.spikes ? 2 : 3;
    if (e.files.size() != want)
      throw bad(fmt::format("expected {} file name(s), found `{}`", want, f[7]));
    out.push_back(std::move(e));
  }
  return out;
}

// What a file is, from its name (and a CSV's first line). nullopt when it is
// not a recording; `strict` turns that into an error.
std::optional<Entry> infer_entry(const fs::path& file, bool strict) {
  const std::string stem = file.stem().string(), ext = file.extension().string();
  const fs::path dir = file.parent_path();
  auto exists = [&](const std::string& name) {
    std::error_code ec;
    return fs::exists(dir / name, ec);
  };
  Entry e;
  if (ext == ".csv") {
    std::string head = first_line(file);
    if (head == "id,t_ms") {
      e.population = population_of_spikes(stem);
    } else if (head.rfind("t_ms,id,", 0) == 0 && head.size() > 8) {
      e.spikes = false;
      split_state_csv(stem, head.substr(8), e);
    } else {
      if (!strict) return std::nullopt;
      throw FormatError(
          fmt::format("`{}`: not a recording written by neuro run (the first line is neither "
                      "`id,t_ms` nor `t_ms,id,<variable>`)",
                      file.string()));
    }
    e.files = {file};
    return e;
  }
  if (ext == ".npy") {
    for (const char* tail : {"_id", "_t_ms"}) {
      std::string base = stem.substr(0, stem.size() - std::string(tail).size());
      if (ends_with(stem, tail) && population_of_spikes(base) != base) {
        e.population = population_of_spikes(base);
        e.files = {dir / (base + "_id.npy"), dir / (base + "_t_ms.npy")};
        return e;
      }
    }
    std::string base = stem;
    for (const char* tail : {"_id", "_t_ms"})
      if (ends_with(stem, tail) &&
          exists(stem.substr(0, stem.size() - std::string(tail).size()) + ".npy"))
        base = stem.substr(0, stem.size() - std::string(tail).size());
    if (base != stem || (exists(stem + "_t_ms.npy") && exists(stem + "_id.npy"))) {
      e.spikes = false;
      auto us = base.find('_');
      e.population = us == std::string::npos ? base : base.substr(0, us);
      e.variable = us == std::string::npos ? base : base.substr(us + 1);
      e.files = {dir / (base + ".npy"), dir / (base + "_t_ms.npy"), dir / (base + "_id.npy")};
      return e;
    }
    if (!strict) return std::nullopt;
    throw FormatError(
        fmt::format("`{}`: cannot tell which recording this NPY file belongs to (expected "
                    "<pop>_spikes_id.npy with <pop>_spikes_t_ms.npy, or <name>.npy with "
                    "<name>_t_ms.npy and <name>_id.npy)",
                    file.string()));
  }
  if (!strict) return std::nullopt;
  throw FormatError(fmt::format(
      "`{}`: not a recording (expected a .csv or .npy file written by neuro run)", file.string()));
}

// Parses "a,b[,c]" numbers of one CSV line.
bool csv_numbers(const std::string& line, double* out, int count) {
  const char* p = line.c_str();
  for (int k = 0; k < count; ++k) {
    char* end = nullptr;
    out[k] = std::strtod(p, &end);
    if (end == p) return false;
    p = end;
    if (k + 1 < count) {
      if (*p != ',') return false;
      ++p;
    }
  }
  while (*p == ' ' || *p == '\r') ++p;
  return *p == '\0';
}

uint32_t as_id(double v, const fs::path& file, const std::string& where) {
  if (!(v >= 0) || v > 4294967295.0 || v != std::floor(v))
    throw FormatError(fmt::format("`{}`{}: `{}` is not a neuron id", file.string(), where, v));
  return static_cast<uint32_t>(v);
}

// A spike time in ms from a file, in seconds: a finite number (a NaN or
// infinite time cannot be placed on a plot or a time axis).
double as_spike_time(double t_ms, const fs::path& file, const std::string& where) {
  if (!std::isfinite(t_ms))
    throw FormatError(fmt::format("`{}`{}: the spike time `{}` is not a finite number",
                                  file.string(), where, t_ms));
  return t_ms * 1e-3;
}

void load_csv(const Entry& e, Recordings& out) {
  const fs::path& file = e.files.front();
  std::istringstream in(slurp(file));
  std::string line;
  std::getline(in, line);  // the header, seen by infer_entry or promised by the index
  double v[3];
  if (e.spikes) {
    SpikeRecording r;
    r.population = e.population;
    for (int n = 2; std::getline(in, line); ++n) {
      if (line.empty() || line == "\r") continue;
      if (!csv_numbers(line, v, 2))
        throw FormatError(
            fmt::format("`{}`:{}: expected `id,t_ms`, found `{}`", file.string(), n, line));
      r.ids.push_back(as_id(v[0], file, fmt::format(":{}", n)));
      r.times.push_back(as_spike_time(v[1], file, fmt::format(":{}", n)));
    }
    out.spikes.push_back(std::move(r));
    return;
  }
  StateRecording r;
  r.population = e.population;
  r.variable = e.variable;
  r.unit = e.unit;
  std::map<uint32_t, size_t> column;
  std::vector<std::vector<std::pair<size_t, double>>> rows;  // per sample: (column, value)
  for (int n = 2; std::getline(in, line); ++n) {
    if (line.empty() || line == "\r") continue;
    if (!csv_numbers(line, v, 3))
      throw FormatError(
          fmt::format("`{}`:{}: expected `t_ms,id,value`, found `{}`", file.string(), n, line));
    uint32_t id = as_id(v[1], file, fmt::format(":{}", n));
    if (r.times.empty() || v[0] * 1e-3 != r.times.back()) {
      r.times.push_back(v[0] * 1e-3);
      rows.emplace_back();
    }
    auto [it, fresh] = column.emplace(id, r.ids.size());
    if (fresh) r.ids.push_back(id);
    rows.back().emplace_back(it->second, v[2]);
  }
  const size_t n = r.ids.size();
  r.values.assign(r.times.size() * n, std::numeric_limits<double>::quiet_NaN());
  for (size_t s = 0; s < rows.size(); ++s)
    for (auto [k, x] : rows[s]) r.values[s * n + k] = x;
  out.states.push_back(std::move(r));
}

void load_npy(const Entry& e, Recordings& out) {
  auto vector_of = [](const NpyArray& a, const fs::path& f) {
    if (a.shape.size() != 1)
      throw FormatError(fmt::format("`{}`: expected a 1-d array, found {} dimensions", f.string(),
                                    a.shape.size()));
    return a.values;
  };
  if (e.spikes) {
    SpikeRecording r;
    r.population = e.population;
    auto ids = vector_of(read_npy(e.files[0].string()), e.files[0]);
    auto t = vector_of(read_npy(e.files[1].string()), e.files[1]);
    if (ids.size() != t.size())
      throw FormatError(fmt::format("`{}` holds {} spike times but `{}` {} ids",
                                    e.files[1].string(), t.size(), e.files[0].string(),
                                    ids.size()));
    for (size_t k = 0; k < ids.size(); ++k) {
      r.ids.push_back(as_id(ids[k], e.files[0], ""));
      r.times.push_back(as_spike_time(t[k], e.files[1], fmt::format(" (spike {})", k)));
    }
    out.spikes.push_back(std::move(r));
    return;
  }
  StateRecording r;
  r.population = e.population;
  r.variable = e.variable;
  r.unit = e.unit;
  NpyArray values = read_npy(e.files[0].string());
  auto t = vector_of(read_npy(e.files[1].string()), e.files[1]);
  auto ids = vector_of(read_npy(e.files[2].string()), e.files[2]);
  if (values.shape.size() != 2 || values.shape[0] != t.size() || values.shape[1] != ids.size())
    throw FormatError(
        fmt::format("`{}`: expected shape ({}, {}) (samples × neurons, from `{}` and `{}`)",
                    e.files[0].string(), t.size(), ids.size(), e.files[1].filename().string(),
                    e.files[2].filename().string()));
  for (double x : t) r.times.push_back(x * 1e-3);
  for (double x : ids) r.ids.push_back(as_id(x, e.files[2], ""));
  r.values = std::move(values.values);
  out.states.push_back(std::move(r));
}

// Creates `dir` (and its parents) when missing; says why not in `error`.
bool make_folder(const std::string& dir, const char* what, std::string& error) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!ec) return true;
  error = fmt::format("cannot create the {} folder `{}`: {}", what, dir, ec.message());
  return false;
}

}  // namespace

std::vector<std::string> write_recordings(const Recordings& recs, const std::string& dir,
                                          Format format, std::string& error) {
  std::vector<std::string> written;
  if (!make_folder(dir, "output", error)) return written;
  Names names;
  std::string index =
      "# neuro recordings, one per line; files are relative to this folder (docs/plots.md)\n"
      "kind\tpopulation\tvariable\tunit\tpopulation_size\tduration_ms\tdt_ms\tfiles\n";
  auto size_of = [&](const std::string& pop) {
    auto it = recs.population_sizes.find(pop);
    return it == recs.population_sizes.end() ? size_t{0} : it->second;
  };
  size_t failed = 0;
  auto put = [&](const std::string& name, const std::string& bytes) {
    std::string p = (fs::path(dir) / name).string();
    if (write_file(p, bytes, error)) {
      written.push_back(p);
      return true;
    }
    ++failed;
    return false;
  };
  // Only complete recordings are listed; one that could not be written
  // whole is named in a comment, so that a reader never takes it for data.
  auto index_line = [&](bool complete, const char* kind, const std::string& pop,
                        const std::string& var, const std::string& unit, const std::string& files) {
    if (!complete) {
      index += fmt::format("# not written (see the error): {}\n", files);
      return;
    }
    index += fmt::format("{}\t{}\t{}\t{}\t{}\t{:.10g}\t{:.10g}\t{}\n", kind, pop, field(var),
                         field(unit), size_of(pop), recs.duration_s * 1e3, recs.dt_s * 1e3, files);
  };
  auto spikes = [&](const auto& r) {
    auto path = [&](const std::string& name) { return (fs::path(dir) / name).string(); };
    if (format == Format::csv) {
      std::string b = names.claim(r.population + "_spikes", {".csv"});
      const bool ok = write_spikes_csv(path(b + ".csv"), r, error);
      if (ok)
        written.push_back(path(b + ".csv"));
      else
        ++failed;
      index_line(ok, "spikes", r.population, "", "", b + ".csv");
    } else {
      std::string b = names.claim(r.population + "_spikes", {"_id.npy", "_t_ms.npy"});
      bool ok = true;
      for (bool times : {false, true}) {
        std::string p = path(b + (times ? "_t_ms.npy" : "_id.npy"));
        if (write_spikes_npy(p, r, times, error)) {
          written.push_back(p);
        } else {
          ok = false;
          ++failed;
        }
      }
      index_line(ok, "spikes", r.population, "", "", b + "_id.npy," + b + "_t_ms.npy");
    }
  };
  for (const auto& r : recs.spikes) spikes(r);
  for (const auto& v : recs.spike_views) spikes(v);
  for (const auto& r : recs.states) {
    const std::string base = r.population + "_" + r.variable;
    if (format == Format::csv) {
      std::string b = names.claim(base, {".csv"});
      const bool ok = put(b + ".csv", state_csv(r));
      index_line(ok, "state", r.population, r.variable, r.unit, b + ".csv");
    } else {
      std::string b = names.claim(base, {".npy", "_t_ms.npy", "_id.npy"});
      std::vector<double> display(r.values.size());
      for (size_t k = 0; k < display.size(); ++k) display[k] = r.values[k] / r.unit_scale;
      bool ok = put(b + ".npy", npy_bytes(display, {r.times.size(), r.ids.size()}));
      ok &= put(b + "_t_ms.npy", npy_bytes(times_ms(r.times), {r.times.size()}));
      ok &= put(b + "_id.npy", npy_bytes(r.ids, {r.ids.size()}));
      index_line(ok, "state", r.population, r.variable, r.unit,
                 b + ".npy," + b + "_t_ms.npy," + b + "_id.npy");
    }
  }
  put(kIndexFile, index);
  if (failed > 1) error += fmt::format(" ({} files in all could not be written)", failed);
  return written;
}

Recordings read_recordings(const std::vector<std::string>& paths) {
  std::vector<Entry> entries;
  for (const auto& path : paths) {
    fs::path p(path);
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      if (auto index = read_index(p)) {
        entries.insert(entries.end(), index->begin(), index->end());
        continue;
      }
      std::vector<fs::path> files;
      for (const auto& f : fs::directory_iterator(p, ec))
        if (f.is_regular_file()) files.push_back(f.path());
      if (ec)
        throw FormatError(fmt::format("`{}`: cannot list the folder: {}", path, ec.message()));
      std::sort(files.begin(), files.end());
      for (const auto& f : files)
        if (auto e = infer_entry(f, false)) entries.push_back(std::move(*e));
      continue;
    }
    if (!fs::exists(p, ec)) throw FormatError(fmt::format("`{}`: no such file or folder", path));
    // A file: its line in the folder's index, or what its name says.
    bool listed = false;
    fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
    if (auto index = read_index(dir))
      for (auto& e : *index)
        for (const auto& f : e.files)
          if (f.filename() == p.filename()) {
            entries.push_back(e);
            listed = true;
            break;
          }
    if (!listed) entries.push_back(*infer_entry(p, true));
  }
  // The same recording named twice (two files of one NPY recording) once.
  std::set<fs::path> seen;
  Recordings out;
  for (const auto& e : entries) {
    if (!seen.insert(fs::weakly_canonical(e.files.front())).second) continue;
    if (e.npy())
      load_npy(e, out);
    else
      load_csv(e, out);
    if (e.size > 0) out.population_sizes[e.population] = e.size;
    out.duration_s = std::max(out.duration_s, e.duration_ms * 1e-3);
    if (e.dt_ms > 0) out.dt_s = e.dt_ms * 1e-3;
  }
  return out;
}

std::vector<std::string> write_plots(const Recordings& recs, const std::string& dir,
                                     std::string& error) {
  std::vector<std::string> written;
  if (!make_folder(dir, "plot", error)) return written;
  Names names;
  auto put = [&](const std::string& base, const std::string& svg) {
    std::string p = (fs::path(dir) / (names.claim(base, {".svg"}) + ".svg")).string();
    if (write_file(p, svg, error)) written.push_back(p);
  };
  PlotOptions o;
  o.t_end_s = recs.duration_s;
  o.dt_s = recs.dt_s;
  auto spikes = [&](const SpikeRecording& r) {
    auto it = recs.population_sizes.find(r.population);
    o.population_size = it == recs.population_sizes.end() ? 0 : it->second;
    put(r.population + "_raster", raster_svg(r, o));
    put(r.population + "_rate", rate_svg(r, o));
  };
  for (const auto& r : recs.spikes) spikes(r);
  for (const auto& v : recs.spike_views) {
    SpikeRecording r;  // one at a time
    r.population = v.population;
    v.for_each([&](uint32_t id, double t) {
      r.ids.push_back(id);
      r.times.push_back(t);
    });
    spikes(r);
  }
  o.population_size = 0;
  for (const auto& r : recs.states) put(r.population + "_" + r.variable, traces_svg(r, o));
  return written;
}

}  // namespace neuro::io
