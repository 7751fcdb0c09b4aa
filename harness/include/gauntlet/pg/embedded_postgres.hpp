#pragma once
// A throwaway PostgreSQL cluster for a test run: initdb into /tmp/gauntlet-pg-XXXXXX, a free
// port on 127.0.0.1, the unix socket in that directory, started with pg_ctl, and on destruction
// stopped (pg_ctl stop -m fast, then -m immediate, then SIGKILL to the postmaster and its
// children) and the directory removed. If this process dies without a destructor (SIGKILL),
// an OrphanGuard shuts the cluster down (SIGQUIT) and removes the directory.
//
// PostgreSQL refuses to run as root; when we are root (CI containers), initdb, pg_ctl and the
// server run as the `postgres` system user and the directory is chowned to it.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "gauntlet/pg/database.hpp"
#include "gauntlet/pg/embedded_postgres_options.hpp"

namespace gauntlet {

class EmbeddedPostgres {
 public:
  // initdb, configure, start, CREATE DATABASE options.database. Throws ConfigError for bad
  // options and ProcessError (with the tail of the tool's output or the server log) when the
  // binaries are missing or a step fails; whatever was started is torn down first.
  explicit EmbeddedPostgres(EmbeddedPostgresOptions options = {});
  EmbeddedPostgres(EmbeddedPostgres&&) noexcept;
  EmbeddedPostgres& operator=(EmbeddedPostgres&&) noexcept;
  ~EmbeddedPostgres();  // stops the server, always; removes the directory; never throws

  // GAUNTLET_DATABASE_URL when set (nothing is started), else a new embedded cluster.
  static Database from_env_or_start(
      const EmbeddedPostgresOptions& options = EmbeddedPostgresOptions::from_env());

  // postgresql://postgres@127.0.0.1:PORT/<database>
  std::string url() const;
  // The same server, another database (e.g. "postgres" for administration).
  std::string url_for(const std::string& database) const;
  std::uint16_t port() const noexcept;
  const std::filesystem::path& directory() const noexcept;  // also the unix socket directory
  std::filesystem::path log_path() const;                   // the server's log
  pid_t postmaster_pid() const noexcept;                    // 0 while stopped
  bool running() const noexcept;

  // Database faults: stop (fast), start again (same data and port), or both. stop() and
  // start() throw ProcessError when pg_ctl fails.
  void stop();
  void start();
  void restart();
  // See gauntlet::terminate_backends().
  int terminate_backends() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gauntlet
