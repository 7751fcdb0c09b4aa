#pragma once
// A database failure at a boundary (a migration that failed, a statistics query that could not
// run), carrying the SQLSTATE when the server gave one ("42601" syntax error, "40P01" deadlock).
#include <exception>
#include <stdexcept>
#include <string>
#include <utility>

namespace gauntlet {

class DbError : public std::runtime_error {
 public:
  DbError(const std::string& message, std::string sqlstate)
      : std::runtime_error(sqlstate.empty() ? message : message + " (SQLSTATE " + sqlstate + ")"),
        sqlstate_(std::move(sqlstate)) {}

  // Five characters from the server, "" when the failure did not come from SQL (a lost
  // connection, a client-side usage error).
  const std::string& sqlstate() const noexcept { return sqlstate_; }

 private:
  std::string sqlstate_;
};

// The SQLSTATE behind a libpqxx exception. libpqxx 6 keeps it only on pqxx::sql_error; for the
// classes it maps to their own types, the class's code is returned: deadlock_detected "40P01",
// serialization_failure "40001", statement_completion_unknown "40003", other
// transaction_rollback "40000", broken_connection "08006". "" for anything else.
std::string sqlstate_of(const std::exception& e) noexcept;

}  // namespace gauntlet
