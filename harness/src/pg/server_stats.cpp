#include "gauntlet/pg/server_stats.hpp"

#include <algorithm>
#include <pqxx/pqxx>

#include "gauntlet/pg/db_error.hpp"

namespace gauntlet {
namespace {

void read_activity(pqxx::transaction_base& tx, ServerSnapshot& out) {
  const pqxx::result rows = tx.exec(
      "SELECT coalesce(state, 'unknown'), count(*), "
      "  coalesce(max(CASE WHEN state LIKE 'idle in transaction%' "
      "    THEN extract(epoch FROM now() - state_change) * 1000 END), 0)::bigint "
      "FROM pg_stat_activity "
      "WHERE backend_type = 'client backend' AND datname = current_database() "
      "  AND pid <> pg_backend_pid() "
      "GROUP BY 1");
  for (const auto& row : rows) {
    const auto state = row[0].as<std::string>();
    const auto count = row[1].as<std::int64_t>();
    out.connections_by_state[state] = count;
    out.connections += count;
    if (state.rfind("idle in transaction", 0) == 0) {
      out.idle_in_transaction += count;
      out.longest_idle_in_transaction_ms =
          std::max(out.longest_idle_in_transaction_ms, row[2].as<std::int64_t>());
    }
  }
}

void read_counters(pqxx::transaction_base& tx, ServerSnapshot& out) {
  const pqxx::row row = tx.exec1(
      "SELECT d.xact_commit, d.xact_rollback, d.deadlocks, d.conflicts, "
      "  (SELECT count(*) FROM pg_locks WHERE NOT granted), "
      "  current_setting('max_connections')::bigint "
      "FROM pg_stat_database d WHERE d.datname = current_database()");
  out.xact_commit = row[0].as<std::int64_t>();
  out.xact_rollback = row[1].as<std::int64_t>();
  out.deadlocks = row[2].as<std::int64_t>();
  out.conflicts = row[3].as<std::int64_t>();
  out.lock_waits = row[4].as<std::int64_t>();
  out.max_connections = row[5].as<std::int64_t>();
}

}  // namespace

ServerSnapshot take_server_snapshot(pqxx::connection_base& conn) {
  ServerSnapshot out;
  try {
    pqxx::read_transaction tx(conn);
    // Statistics are cached per transaction; start from a fresh view.
    tx.exec("SELECT pg_stat_clear_snapshot()");
    read_activity(tx, out);
    read_counters(tx, out);
    tx.commit();
  } catch (const pqxx::failure& e) {
    throw DbError(std::string("Could not read server statistics: ") + e.what(), sqlstate_of(e));
  }
  return out;
}

ServerSnapshot delta(const ServerSnapshot& before, const ServerSnapshot& after) {
  ServerSnapshot out = after;
  out.xact_commit = after.xact_commit - before.xact_commit;
  out.xact_rollback = after.xact_rollback - before.xact_rollback;
  out.deadlocks = after.deadlocks - before.deadlocks;
  out.conflicts = after.conflicts - before.conflicts;
  return out;
}

nlohmann::json ServerSnapshot::to_json() const {
  return nlohmann::json{
      {"connections", connections},
      {"connections_by_state", connections_by_state},
      {"idle_in_transaction", idle_in_transaction},
      {"longest_idle_in_transaction_ms", longest_idle_in_transaction_ms},
      {"lock_waits", lock_waits},
      {"max_connections", max_connections},
      {"xact_commit", xact_commit},
      {"xact_rollback", xact_rollback},
      {"deadlocks", deadlocks},
      {"conflicts", conflicts},
  };
}

}  // namespace gauntlet
