#pragma once
// The database a test run uses: either an existing server (GAUNTLET_DATABASE_URL) or an
// embedded cluster this handle owns and tears down. Tests only need url().
#include <memory>
#include <string>

namespace gauntlet {

class EmbeddedPostgres;

class Database {
 public:
  // An existing server: nothing is started, and nothing is stopped on destruction.
  explicit Database(std::string url);
  // An embedded cluster, owned: destroyed (stopped, directory removed) with this handle.
  explicit Database(std::unique_ptr<EmbeddedPostgres> embedded);
  Database(Database&&) noexcept;
  Database& operator=(Database&&) noexcept;
  ~Database();

  // postgresql://user@host:port/dbname
  const std::string& url() const noexcept { return url_; }
  // The embedded cluster (for restart and other server faults); nullptr for an existing server.
  EmbeddedPostgres* embedded() const noexcept { return embedded_.get(); }

  // Terminates every other client backend connected to this database (pg_terminate_backend),
  // as a database fault. Returns how many were terminated; throws DbError when it cannot.
  int terminate_backends() const;

 private:
  std::unique_ptr<EmbeddedPostgres> embedded_;
  std::string url_;
};

// As Database::terminate_backends(), for any connection URL.
int terminate_backends(const std::string& url);

}  // namespace gauntlet
