#pragma once
// Schema migrations: the NNNN_name.sql files of a directory applied in lexical order, each in
// its own transaction, recorded in schema_migrations(version, name, checksum, applied_at).
// Applying again is a no-op; editing a file after it was applied is an error (add a new
// migration instead). A session advisory lock serialises concurrent migrators. Because each file
// runs inside a transaction, it cannot use CREATE INDEX CONCURRENTLY, VACUUM or the like.
#include <filesystem>
#include <pqxx/connection_base>
#include <string>
#include <vector>

namespace gauntlet {

struct MigrationFile {
  std::string version;  // the leading digits, "0003"
  std::string name;     // the file name without ".sql", "0003_render_jobs"
  std::filesystem::path path;
};

struct MigrationReport {
  std::vector<std::string> applied;          // names applied by this call, in order
  std::vector<std::string> already_applied;  // names found recorded with a matching checksum
};

// The *.sql files of `dir` in lexical order. Throws ConfigError listing every problem: a missing
// directory, no .sql files, a name not of the form <digits>_<name>.sql, a version used twice.
std::vector<MigrationFile> list_migrations(const std::filesystem::path& dir);

// Applies the pending migrations of `dir` on `conn` (which must not be inside a transaction).
// Throws ConfigError when an applied migration's file changed (naming it and both checksums),
// and DbError (naming the file, with SQLSTATE) when a migration fails; that migration is rolled
// back and the ones before it stay applied.
MigrationReport apply_migrations(pqxx::connection_base& conn, const std::filesystem::path& dir);

}  // namespace gauntlet
