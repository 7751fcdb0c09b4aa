#pragma once
// How the services run their units of work on PostgreSQL: one pooled connection, one
// transaction, and a connection that broke handed back as broken so that the pool replaces it.
//
// Two flavours, because the services answer database trouble differently:
//   in_transaction       pqxx and pool errors propagate unchanged (the caller, or the router's
//                        500, decides what they mean);
//   in_http_transaction  errors become HttpError: no free connection within the pool's wait
//                        bound, a lost connection, a serialization/deadlock rollback or a
//                        statement cancelled by the connection's statement_timeout -> 503 (the
//                        caller may retry); a foreign key naming a missing row -> 422.
#include <chrono>
#include <pqxx/pqxx>
#include <string>
#include <utility>

#include "gauntlet/mocks/http_error.hpp"
#include "gauntlet/pg/connection_pool.hpp"

namespace gauntlet::mocks {

// Runs fn(Tx&) in one transaction on `lease` and commits; returns what fn returned. On
// pqxx::broken_connection the lease is marked broken and the error rethrown.
template <class Tx = pqxx::work, class Fn>
auto transact(PooledConnection& lease, Fn&& fn) {
  try {
    Tx tx(*lease);
    auto result = std::forward<Fn>(fn)(tx);
    tx.commit();
    return result;
  } catch (const pqxx::broken_connection&) {
    lease.mark_broken();
    throw;
  }
}

// transact() on a connection from `pool`; PoolTimeout and pqxx errors propagate.
template <class Tx = pqxx::work, class Fn>
auto in_transaction(ConnectionPool& pool, Fn&& fn) {
  PooledConnection lease = pool.acquire();
  return transact<Tx>(lease, std::forward<Fn>(fn));
}

// SQLSTATE of a statement cancelled by statement_timeout (query_canceled).
inline constexpr const char* kQueryCanceled = "57014";

// `url` (a postgresql:// URI or a key=value connection string) with every statement of its
// connections limited to `timeout` (libpq's options "-c statement_timeout=<ms>"): a database call
// that would wait longer (a lock, a slow disk) is cancelled, so a handler answers instead of
// hanging with the database. A zero timeout returns `url` unchanged.
std::string with_statement_timeout(const std::string& url, std::chrono::milliseconds timeout);

// acquire() with PoolTimeout and connection failures mapped to HttpError(503).
PooledConnection acquire_or_503(ConnectionPool& pool);

// in_transaction() with database errors mapped as described at the top; others propagate
// (-> 500).
template <class Fn>
auto in_http_transaction(ConnectionPool& pool, Fn&& fn) {
  PooledConnection lease = acquire_or_503(pool);
  try {
    return transact(lease, std::forward<Fn>(fn));
  } catch (const pqxx::broken_connection& e) {
    throw HttpError(503, std::string("The database connection was lost: ") + e.what());
  } catch (const pqxx::transaction_rollback& e) {
    throw HttpError(503, std::string("The transaction was rolled back; retry: ") + e.what());
  } catch (const pqxx::foreign_key_violation& e) {
    throw HttpError(422, std::string("A referenced row does not exist: ") + e.what());
  } catch (const pqxx::sql_error& e) {
    if (e.sqlstate() != kQueryCanceled) throw;
    throw HttpError(503, std::string("The database did not answer in time; retry: ") + e.what());
  }
}

}  // namespace gauntlet::mocks
