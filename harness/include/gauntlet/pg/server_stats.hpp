#pragma once
// Server-side figures for reports: what the database saw while a test ran. A snapshot holds
// gauges (connections by state, idle-in-transaction sessions, waiting locks) and cumulative
// counters of the current database (commits, rollbacks, deadlocks, conflicts); delta() turns two
// snapshots into "during the test".
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <pqxx/connection_base>
#include <string>

namespace gauntlet {

struct ServerSnapshot {
  // Gauges, over the client backends of the current database, excluding the snapshot's own.
  std::map<std::string, std::int64_t> connections_by_state;  // "active", "idle", ...
  std::int64_t connections = 0;
  std::int64_t idle_in_transaction = 0;  // "idle in transaction" and "(aborted)"
  std::int64_t longest_idle_in_transaction_ms = 0;
  std::int64_t lock_waits = 0;  // lock requests not granted (pg_locks), server-wide
  std::int64_t max_connections = 0;
  // Counters of the current database (pg_stat_database); PostgreSQL publishes a backend's
  // counts when it goes idle (at most once a second) or disconnects.
  std::int64_t xact_commit = 0;
  std::int64_t xact_rollback = 0;
  std::int64_t deadlocks = 0;
  std::int64_t conflicts = 0;

  nlohmann::json to_json() const;
};

// Reads pg_stat_activity, pg_locks and pg_stat_database on `conn` (one read-only statement
// each, outside any open transaction of the caller). Throws DbError, with SQLSTATE, on failure.
ServerSnapshot take_server_snapshot(pqxx::connection_base& conn);

// Counters become after - before; gauges are after's (a gauge has no meaningful difference).
ServerSnapshot delta(const ServerSnapshot& before, const ServerSnapshot& after);

}  // namespace gauntlet
