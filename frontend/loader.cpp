#include "frontend/loader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "frontend/parser.h"

namespace neuro::frontend {

namespace fs = std::filesystem;

FileText read_source(const std::string& path) {
  FileText out;
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    out.problem = "it is a folder, not a file";
    return out;
  }
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    out.missing = errno == ENOENT;
    out.problem = out.missing ? "no such file" : std::strerror(errno);
    return out;
  }
  // In blocks, at most one past the limit: a device like /dev/zero never ends.
  std::string text;
  char buf[1 << 16];
  size_t n = 0;
  while (text.size() <= kMaxSourceBytes && (n = std::fread(buf, 1, sizeof buf, f)) > 0)
    text.append(buf, n);
  const bool failed = std::ferror(f) != 0;
  const int err = errno;
  std::fclose(f);
  if (failed) {
    out.problem = std::string("a read failed: ") + std::strerror(err);
    return out;
  }
  if (text.size() > kMaxSourceBytes) {
    out.problem = fmt::format("it is larger than {} MiB", kMaxSourceBytes >> 20);
    return out;
  }
  out.text = std::move(text);
  return out;
}

std::string FileText::hint() const {
  if (missing) return "check the path; it is relative to the current directory";
  if (problem.find("folder") != std::string::npos) return "give the path of a .neuro file";
  return fmt::format("model files are text of at most {} MiB", kMaxSourceBytes >> 20);
}

std::optional<std::string> read_file(const std::string& path) {
  return read_source(path).text;
}

std::optional<LoadedProgram> Loader::load_file(const std::string& path) {
  FileText file = read_source(path);
  const auto& text = file.text;
  if (!text) {
    diags_.error(Code::Io, {}, "cannot read `" + path + "`: " + file.problem, file.hint());
    return std::nullopt;
  }
  LoadedProgram out;
  std::error_code ec;
  std::string key = fs::weakly_canonical(path, ec).string();
  std::string dir = fs::path(path).parent_path().string();
  if (!load_one(key, path, path, *text, dir, out)) return std::nullopt;
  return out;
}

std::optional<LoadedProgram> Loader::load_text(const std::string& name, const std::string& text) {
  LoadedProgram out;
  if (!load_one("<text>:" + name, name, "", text, ".", out)) return std::nullopt;
  return out;
}

bool Loader::load_one(const std::string& key, const std::string& name, const std::string& path,
                      const std::string& text, const std::string& dir, LoadedProgram& out) {
  uint32_t id = sources_.add(name, path, text);
  size_t before = diags_.error_count();
  Program p = parse_file(sources_, id, diags_);
  if (diags_.error_count() > before) return false;
  loading_.push_back(key);
  bool ok = load_imports(p, dir, out);
  loading_.pop_back();
  loaded_.push_back(key);
  out.modules.push_back(std::move(p));
  out.root_file = id;
  return ok;
}

bool Loader::load_imports(const Program& p, const std::string& dir, LoadedProgram& out) {
  bool ok = true;
  for (const auto& m : p.members) {
    if (m->kind != MemberKind::Import) continue;
    std::string key, path, name, text;
    if (m->import_is_path) {
      fs::path rel = fs::path(dir.empty() ? "." : dir) / m->name;
      path = rel.lexically_normal().string();
      std::error_code ec;
      key = fs::weakly_canonical(rel, ec).string();
      name = path;
    } else {
      key = "<module>:" + m->name;
      name = "<" + m->name + ">";
    }
    if (std::find(loading_.begin(), loading_.end(), key) != loading_.end()) {
      diags_.error(Code::ImportCycle, m->name_range,
                   "`" + m->name + "` imports itself (directly or through other files)",
                   "move the shared declarations into a third file that both import");
      ok = false;
      continue;
    }
    if (std::find(loaded_.begin(), loaded_.end(), key) != loaded_.end()) continue;
    std::optional<std::string> src;
    if (m->import_is_path) {
      FileText file = read_source(path);
      if (!file.text && !file.missing) {
        diags_.error(Code::Io, m->name_range,
                     "cannot read the imported file `" + path + "`: " + file.problem, file.hint());
        ok = false;
        continue;
      }
      src = std::move(file.text);
    } else if (stdlib_) {
      src = stdlib_(m->name);
    }
    if (!src) {
      diags_.error(Code::MissingFile, m->name_range,
                   m->import_is_path ? "cannot find the imported file `" + path + "`"
                                     : "there is no library module `" + m->name + "`",
                   m->import_is_path ? "paths are relative to the importing file"
                                     : "library modules are named like `stdlib.neurons`");
      ok = false;
      continue;
    }
    std::string sub_dir = m->import_is_path ? fs::path(path).parent_path().string() : dir;
    uint32_t root = out.root_file;
    if (!load_one(key, name, m->import_is_path ? path : "", *src, sub_dir, out)) ok = false;
    out.root_file = root;
  }
  return ok;
}

}  // namespace neuro::frontend
