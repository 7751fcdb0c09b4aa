#include "gauntlet/pg/pg_binaries.hpp"

#include <unistd.h>

#include <cstdio>
#include <memory>
#include <sstream>
#include <vector>

#include "gauntlet/process/process_error.hpp"

namespace gauntlet {
namespace {

bool executable(const std::filesystem::path& path) {
  return ::access(path.c_str(), X_OK) == 0 && std::filesystem::is_regular_file(path);
}

bool has_server_programs(const std::filesystem::path& dir) {
  const PgBinaries candidate{dir};
  return executable(candidate.initdb()) && executable(candidate.pg_ctl()) &&
         executable(candidate.postgres());
}

std::vector<std::filesystem::path> split_path(const std::string& path_env) {
  std::vector<std::filesystem::path> dirs;
  std::stringstream in(path_env);
  for (std::string dir; std::getline(in, dir, ':');) {
    if (!dir.empty()) dirs.emplace_back(dir);
  }
  return dirs;
}

// `pg_config --bindir` when a pg_config is on PATH; "" otherwise.
std::filesystem::path pg_config_bindir(const std::vector<std::filesystem::path>& path_dirs) {
  for (const auto& dir : path_dirs) {
    const auto pg_config = dir / "pg_config";
    if (!executable(pg_config)) continue;
    const std::string command = "'" + pg_config.string() + "' --bindir 2>/dev/null";
    const std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
    if (!pipe) return {};
    char line[4096] = {};
    if (std::fgets(line, sizeof(line), pipe.get()) == nullptr) return {};
    std::string out(line);
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
  }
  return {};
}

[[noreturn]] void throw_not_found(const std::string& searched) {
  throw ProcessError(std::string("The PostgreSQL server programs (initdb, pg_ctl, postgres) were "
                                 "not found in ") +
                         searched + ". Install the Debian package " + kPostgresPackage +
                         " (apt-get install " + kPostgresPackage +
                         "), set GAUNTLET_PG_BINDIR to the directory holding them, or set "
                         "GAUNTLET_DATABASE_URL to use an existing server.",
                     "initdb");
}

}  // namespace

PgBinaries find_pg_binaries(const std::optional<std::filesystem::path>& explicit_dir,
                            const std::string& path_env) {
  if (explicit_dir) {
    if (has_server_programs(*explicit_dir)) return PgBinaries{*explicit_dir};
    throw_not_found(explicit_dir->string() + " (from GAUNTLET_PG_BINDIR)");
  }
  const auto path_dirs = split_path(path_env);
  std::vector<std::filesystem::path> candidates{"/usr/lib/postgresql/15/bin"};
  if (auto from_pg_config = pg_config_bindir(path_dirs); !from_pg_config.empty()) {
    candidates.push_back(from_pg_config);
  }
  candidates.insert(candidates.end(), path_dirs.begin(), path_dirs.end());
  for (const auto& dir : candidates) {
    if (has_server_programs(dir)) return PgBinaries{dir};
  }
  throw_not_found("/usr/lib/postgresql/15/bin, the pg_config --bindir directory and PATH");
}

}  // namespace gauntlet
