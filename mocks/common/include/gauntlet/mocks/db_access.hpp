#pragma once
// What drive-intel, ml-service and titan-core add to gauntlet/mocks/db.hpp (whose
// in_http_transaction they run their units of work in): pool gauges and stats, nullable
// statement parameters, timestamps as JSON.
#include <nlohmann/json.hpp>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <utility>

#include "gauntlet/mocks/db.hpp"
#include "gauntlet/mocks/metrics_registry.hpp"
#include "gauntlet/pg/connection_pool.hpp"

namespace gauntlet::mocks {

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
