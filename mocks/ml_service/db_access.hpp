#pragma once
// How the services talk to PostgreSQL: one pooled connection per unit of work, one transaction,
// and database trouble turned into HTTP answers instead of crashes: no free connection within
// the pool's wait bound, a lost connection or a serialization/deadlock rollback -> 503 (the
// caller may retry); a foreign key naming a missing row -> 422.
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <utility>

#include "gauntlet/mocks/http_error.hpp"
#include "gauntlet/mocks/metrics_registry.hpp"
#include "gauntlet/pg/connection_pool.hpp"

namespace gauntlet::mocks {

// acquire() with PoolTimeout and connection failures mapped to HttpError(503).
PooledConnection acquire_or_503(ConnectionPool& pool);

// Runs fn(pqxx::work&) in one transaction on a pooled connection and commits; returns what fn
// returned. Errors are mapped as described above; others propagate (-> 500).
template <class Fn>
auto in_transaction(ConnectionPool& pool, Fn&& fn) {
  PooledConnection lease = acquire_or_503(pool);
  try {
    pqxx::work tx(*lease);
    auto result = std::forward<Fn>(fn)(tx);
    tx.commit();
    return result;
  } catch (const pqxx::broken_connection& e) {
    lease.mark_broken();
    throw HttpError(503, std::string("The database connection was lost: ") + e.what());
  } catch (const pqxx::transaction_rollback& e) {
    throw HttpError(503, std::string("The transaction was rolled back; retry: ") + e.what());
  } catch (const pqxx::foreign_key_violation& e) {
    throw HttpError(422, std::string("A referenced row does not exist: ") + e.what());
  }
}

// Gauges <service>_db_pool_{in_use,open,waits,timeouts} read from the pool at scrape time.
// `pool` must outlive `metrics`' use of the callbacks.
void register_pool_metrics(MetricsRegistry& metrics, const std::string& prefix,
                           const ConnectionPool& pool);
nlohmann::json pool_stats_json(const ConnectionPool& pool);

// A nullable statement parameter for exec_params (libpqxx 6 has no std::optional support): the
// text of `value`, or a null pointer, which libpqxx sends as SQL NULL. The optional must outlive
// the statement.
inline const char* nullable(const std::optional<std::string>& value) {
  return value ? value->c_str() : nullptr;
}
template <class T>
std::optional<std::string> text_of(const std::optional<T>& value) {
  if (!value) return std::nullopt;
  return pqxx::to_string(*value);
}

// A timestamptz column as ISO 8601 text, or null.
nlohmann::json timestamp_or_null(const pqxx::field& field);

}  // namespace gauntlet::mocks
