#include "gauntlet/pg/db_error.hpp"

#include <pqxx/except>

namespace gauntlet {

std::string sqlstate_of(const std::exception& e) noexcept {
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) return sql->sqlstate();
  if (dynamic_cast<const pqxx::deadlock_detected*>(&e) != nullptr) return "40P01";
  if (dynamic_cast<const pqxx::serialization_failure*>(&e) != nullptr) return "40001";
  if (dynamic_cast<const pqxx::statement_completion_unknown*>(&e) != nullptr) return "40003";
  if (dynamic_cast<const pqxx::transaction_rollback*>(&e) != nullptr) return "40000";
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) return "08006";
  return "";
}

}  // namespace gauntlet
