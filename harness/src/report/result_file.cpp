#include "gauntlet/report/result_file.hpp"

#include <fcntl.h>
#include <stdio.h>  // renameat2
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "gauntlet/build_paths.hpp"
#include "gauntlet/report/json_reporter.hpp"
#include "gauntlet/unique_fd.hpp"

namespace gauntlet {
namespace {

using Json = nlohmann::json;
namespace fs = std::filesystem;

// ---- Files ----

[[noreturn]] void throw_errno(const std::string& what, const fs::path& path) {
  throw std::system_error(errno, std::generic_category(), what + " " + path.string());
}

void write_synced(const fs::path& path, std::string_view text) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) throw_errno("cannot create", path);
  while (!text.empty()) {
    const ssize_t n = ::write(fd.get(), text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("cannot write", path);
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fsync(fd.get()) != 0) throw_errno("cannot fsync", path);
  if (::close(fd.release()) != 0) throw_errno("cannot close", path);
}

// Makes the rename itself durable. Best effort: some file systems refuse fsync on a directory,
// and the file's contents are already safe either way.
void sync_directory(const fs::path& dir) {
  const UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() >= 0) ::fsync(fd.get());
}

std::string read_whole_file(const fs::path& path) {
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) throw_errno("cannot open results file", path);
  std::string text;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("cannot read results file", path);
    if (n == 0) return text;
    text.append(buffer, static_cast<std::size_t>(n));
  }
}

}  // namespace

fs::path result_file_path(std::string_view name, const fs::path& dir) {
  if (name.empty()) {
    throw std::invalid_argument("a result's name must not be empty; expected <Suite>.<Test>.");
  }
  std::string file(name);
  std::replace_if(
      file.begin(), file.end(), [](char c) { return c == '/' || c == '\\'; }, '_');
  return dir / (file + ".json");
}

void write_result_file(const RunResult& result, const fs::path& dir) {
  std::ostringstream text;
  JsonReporter(text).report(result);
  fs::create_directories(dir);
  write_file_atomically(result_file_path(result.name, dir), text.str());
}

void write_file_atomically(const fs::path& target, std::string_view text) {
  fs::path temp = target;
  temp += ".tmp";
  try {
    write_synced(temp, text);
    fs::rename(temp, target);  // atomic within one file system: readers see old or new, whole
  } catch (...) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    throw;
  }
  sync_directory(target.has_parent_path() ? target.parent_path() : fs::path("."));
}

void write_directory_atomically(const fs::path& dir, std::span<const DirectoryFile> files) {
  const fs::path target = fs::absolute(dir).lexically_normal();
  const fs::path parent = target.parent_path();
  const std::string stem = "." + target.filename().string();
  const fs::path temp = parent / (stem + ".tmp-" + std::to_string(::getpid()));
  fs::create_directories(parent);
  std::error_code ignored;
  fs::remove_all(temp, ignored);
  try {
    fs::create_directory(temp);
    for (const DirectoryFile& f : files) {
      const fs::path path = temp / f.name;
      fs::create_directories(path.parent_path());
      write_synced(path, f.text);
    }
    sync_directory(temp);
    if (!fs::exists(target)) {
      fs::rename(temp, target);
    } else if (::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, target.c_str(), RENAME_EXCHANGE) ==
               0) {
      fs::remove_all(temp);                           // now the old directory
    } else if (errno == EINVAL || errno == ENOSYS) {  // no exchange here: two renames
      const fs::path old = parent / (stem + ".old-" + std::to_string(::getpid()));
      fs::remove_all(old, ignored);
      fs::rename(target, old);
      fs::rename(temp, target);
      fs::remove_all(old, ignored);
    } else {
      throw_errno("cannot replace the directory", target);
    }
  } catch (...) {
    fs::remove_all(temp, ignored);
    throw;
  }
  sync_directory(parent);
}

RunResult read_result_file(const fs::path& path) {
  const std::string text = read_whole_file(path);
  Json doc;
  try {
    doc = Json::parse(text);
  } catch (const Json::parse_error& e) {
    throw std::invalid_argument("results file " + path.string() +
                                " is not valid JSON: " + e.what());
  }
  try {
    return run_result_from_json(doc);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("results file " + path.string() + ": " + e.what());
  }
}

fs::path default_results_dir() {
  const char* env = std::getenv("GAUNTLET_RESULTS_DIR");
  if (env != nullptr && *env != '\0') return fs::path(env);
  return build_paths::results_dir();
}

}  // namespace gauntlet
