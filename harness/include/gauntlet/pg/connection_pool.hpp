#pragma once
// A bounded pool of libpqxx connections shared by the threads of a test. acquire() lends one as
// an RAII lease that returns it on destruction; when all are lent it waits up to wait_timeout
// and then throws PoolTimeout (ErrorClass::kPoolTimeout). A connection found broken, or marked
// broken by its borrower after pqxx::broken_connection, is dropped and a fresh one is opened in
// its place on demand.
//
// Connections are opened lazily, up to `size`. Leases may outlive the pool object: the shared
// state they return to lives as long as the last of them.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <pqxx/connection>
#include <string>

#include "gauntlet/pg/pool_timeout.hpp"

namespace gauntlet {

struct PoolStats {
  std::size_t size = 0;        // the bound
  std::size_t open = 0;        // connections currently open (idle + in use)
  std::size_t in_use = 0;      // currently lent
  std::uint64_t acquired = 0;  // successful acquire() calls
  std::uint64_t waits = 0;     // acquire() calls that found no free connection and waited
  std::uint64_t timeouts = 0;  // acquire() calls that gave up (PoolTimeout)
  std::uint64_t created = 0;   // connections opened, including replacements
  std::uint64_t replaced = 0;  // broken connections dropped (a new one is opened on demand)
};

class ConnectionPool;

// A lent connection. Move-only; returns the connection to the pool on destruction.
class PooledConnection {
 public:
  PooledConnection(PooledConnection&& other) noexcept;
  PooledConnection& operator=(PooledConnection&& other) noexcept;
  PooledConnection(const PooledConnection&) = delete;
  PooledConnection& operator=(const PooledConnection&) = delete;
  ~PooledConnection();

  pqxx::connection& get() const noexcept { return *conn_; }
  pqxx::connection& operator*() const noexcept { return *conn_; }
  pqxx::connection* operator->() const noexcept { return conn_.get(); }

  // The borrower saw pqxx::broken_connection: the pool drops this connection on return.
  void mark_broken() noexcept { broken_ = true; }

 private:
  friend class ConnectionPool;
  struct State;
  PooledConnection(std::shared_ptr<State> pool, std::unique_ptr<pqxx::connection> conn);
  void give_back() noexcept;

  std::shared_ptr<State> pool_;
  std::unique_ptr<pqxx::connection> conn_;
  bool broken_ = false;
};

class ConnectionPool {
 public:
  // Throws ConfigError when size is 0 or wait_timeout is negative. Opens nothing yet.
  ConnectionPool(std::string url, std::size_t size, std::chrono::milliseconds wait_timeout);
  ConnectionPool(ConnectionPool&&) noexcept = default;
  ConnectionPool& operator=(ConnectionPool&&) noexcept = default;
  ~ConnectionPool();

  // Lends an idle connection, opens a new one while fewer than `size` are open, or waits up to
  // wait_timeout for one to be returned. Throws PoolTimeout when the wait runs out, and
  // pqxx::broken_connection when a new connection cannot be opened.
  PooledConnection acquire();
  PoolStats stats() const;
  const std::string& url() const noexcept;

 private:
  std::shared_ptr<PooledConnection::State> state_;
};

}  // namespace gauntlet
