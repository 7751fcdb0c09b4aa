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
  // Where initdb's result is kept to be copied for the next cluster: initdb takes seconds, the
  // copy a fraction, and a suite starts a cluster per test. The template is named by the initdb
  // binary and its arguments (a PostgreSQL upgrade makes a new one); it holds no data of any run.
  // Any failure falls back to initdb. None: initdb every time.
  std::optional<std::filesystem::path> template_cache;
  // Extra postgresql.conf settings, e.g. {"deadlock_timeout", "100ms"}.
  std::vector<std::pair<std::string, std::string>> settings;

  // Throws ConfigError listing every problem (database not a plain identifier, max_connections
  // outside 1..10000, start_timeout or stop_timeout <= 0, a setting name that is not
  // [a-z0-9_.]+).
  void validate() const;

  // Defaults, then GAUNTLET_PG_BINDIR (bin_dir), GAUNTLET_PG_FSYNC (on|off) and
  // GAUNTLET_PG_TEMPLATE_CACHE (a directory, default /tmp/gauntlet-pg-template, or "off") from
  // the environment. Throws ConfigError
  // for a GAUNTLET_PG_FSYNC that is neither.
  static EmbeddedPostgresOptions from_env();
};

}  // namespace gauntlet
