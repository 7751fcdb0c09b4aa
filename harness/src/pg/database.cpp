#include "gauntlet/pg/database.hpp"

#include <pqxx/pqxx>
#include <utility>

#include "gauntlet/pg/db_error.hpp"
#include "gauntlet/pg/embedded_postgres.hpp"

namespace gauntlet {

Database::Database(std::string url) : url_(std::move(url)) {}

Database::Database(std::unique_ptr<EmbeddedPostgres> embedded)
    : embedded_(std::move(embedded)), url_(embedded_ ? embedded_->url() : std::string()) {}

Database::Database(Database&&) noexcept = default;
Database& Database::operator=(Database&&) noexcept = default;
Database::~Database() = default;

int Database::terminate_backends() const { return gauntlet::terminate_backends(url_); }

int terminate_backends(const std::string& url) {
  // pg_terminate_backend(pid, timeout) (PostgreSQL 14+) waits until each backend is gone, so a
  // caller's next query on a terminated connection fails for certain.
  constexpr const char* kSql =
      "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
      "WHERE backend_type = 'client backend' AND datname = current_database() "
      "AND pid <> pg_backend_pid()";
  try {
    pqxx::connection conn(url);
    pqxx::nontransaction tx(conn);
    return tx.exec1(kSql)[0].as<int>();
  } catch (const pqxx::failure& e) {
    throw DbError(std::string("Could not terminate the backends of the database: ") + e.what(),
                  sqlstate_of(e));
  }
}

}  // namespace gauntlet
