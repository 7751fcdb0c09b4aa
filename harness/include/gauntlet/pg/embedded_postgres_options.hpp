#pragma once
// How to set up a throwaway PostgreSQL cluster for tests: pure data, validated before initdb.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gauntlet {

struct EmbeddedPostgresOptions {
  std::optional<std::filesystem::path> bin_dir;  // else see find_pg_binaries()
  std::string database = "gauntlet";             // created after the first start
  // fsync stays on by default so that tests see real commit costs; turning it off makes a
  // cluster that only lives for one test run faster, and is safe for nothing else.
  bool fsync = true;
  bool synchronous_commit = true;
  int max_connections = 200;
  std::string shared_buffers = "128MB";
  std::chrono::seconds start_timeout{60};  // bound on initdb and on pg_ctl start
  // Bound on each of pg_ctl stop -m fast and -m immediate; after both, the server is SIGKILLed.
  std::chrono::seconds stop_timeout{30};
  // Extra postgresql.conf settings, e.g. {"deadlock_timeout", "100ms"}.
  std::vector<std::pair<std::string, std::string>> settings;

  // Throws ConfigError listing every problem (database not a plain identifier, max_connections
  // outside 1..10000, start_timeout or stop_timeout <= 0, a setting name that is not
  // [a-z0-9_.]+).
  void validate() const;

  // Defaults, then GAUNTLET_PG_BINDIR (bin_dir) and GAUNTLET_PG_FSYNC (on|off) from the
  // environment. Throws ConfigError for a GAUNTLET_PG_FSYNC that is neither.
  static EmbeddedPostgresOptions from_env();
};

}  // namespace gauntlet
