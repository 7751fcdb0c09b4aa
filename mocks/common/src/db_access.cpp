#include "gauntlet/mocks/db_access.hpp"

namespace gauntlet::mocks {

void register_pool_metrics(MetricsRegistry& metrics, const std::string& prefix,
                           const ConnectionPool& pool) {
  const auto* p = &pool;
  metrics.gauge_callback(prefix + "_db_pool_in_use", "Database connections lent out.", {},
                         [p] { return double(p->stats().in_use); });
  metrics.gauge_callback(prefix + "_db_pool_open", "Database connections open.", {},
                         [p] { return double(p->stats().open); });
  metrics.gauge_callback(prefix + "_db_pool_waits", "Acquires that waited for a connection.", {},
                         [p] { return double(p->stats().waits); });
  metrics.gauge_callback(prefix + "_db_pool_timeouts", "Acquires that gave up (503).", {},
                         [p] { return double(p->stats().timeouts); });
}

nlohmann::json pool_stats_json(const ConnectionPool& pool) {
  const PoolStats s = pool.stats();
  return {{"size", s.size},         {"open", s.open},        {"in_use", s.in_use},
          {"acquired", s.acquired}, {"waits", s.waits},      {"timeouts", s.timeouts},
          {"created", s.created},   {"replaced", s.replaced}};
}

nlohmann::json timestamp_or_null(const pqxx::field& field) {
  if (field.is_null()) return nullptr;
  return field.as<std::string>();
}

}  // namespace gauntlet::mocks
