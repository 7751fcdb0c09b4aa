#pragma once
// Where the PostgreSQL server programs (initdb, pg_ctl, postgres) live.
#include <filesystem>
#include <optional>
#include <string>

namespace gauntlet {

// The Debian package that ships the server programs, named in every "not found" error.
inline constexpr const char* kPostgresPackage = "postgresql-15";

struct PgBinaries {
  std::filesystem::path bin_dir;

  std::filesystem::path initdb() const { return bin_dir / "initdb"; }
  std::filesystem::path pg_ctl() const { return bin_dir / "pg_ctl"; }
  std::filesystem::path postgres() const { return bin_dir / "postgres"; }
};

// With `explicit_dir` (GAUNTLET_PG_BINDIR) only that directory is accepted. Otherwise the search
// is /usr/lib/postgresql/15/bin, then `pg_config --bindir`, then each directory of `path_env`
// (PATH). A directory qualifies when initdb, pg_ctl and postgres are all executable there.
// Throws ProcessError naming the places searched and the package to install.
PgBinaries find_pg_binaries(const std::optional<std::filesystem::path>& explicit_dir,
                            const std::string& path_env);

}  // namespace gauntlet
