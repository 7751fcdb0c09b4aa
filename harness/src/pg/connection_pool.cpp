#include "gauntlet/pg/connection_pool.hpp"

#include <poll.h>

#include <condition_variable>
#include <exception>
#include <mutex>
#include <pqxx/nontransaction>
#include <utility>
#include <vector>

#include "gauntlet/config_error.hpp"

namespace gauntlet {

namespace {

// An idle connection has nothing to read. One the server ended while it sat in the pool
// (pg_terminate_backend, a restart) has the server's FATAL and the socket's end waiting, which
// libpq notices only when the connection is next used: by the borrower, whose work then fails.
// One poll() with no wait finds it here instead.
bool looks_alive(pqxx::connection& conn) {
  if (!conn.is_open()) return false;
  const int fd = conn.sock();
  if (fd < 0) return false;
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 0;
}

// libpqxx 6.4 builds lookup tables as function-local statics on first use: the map of client
// encodings (enc_group) is built when the first result arrives. The library is not instrumented,
// so ThreadSanitizer cannot see its inline check of the static's guard: a thread that finds the
// map already built has, to TSan, no ordering with the thread that built it, and TSan reports a
// race inside libpqxx (found once in mock-ml-service under the smoke suite: a 72-byte map node
// written by one handler thread's memcpy and read by another's memcmp). The first connection a
// process lends runs one statement inside std::call_once, which every later acquire passes
// through, so the tables are built before any other use and every thread is ordered after it.
// Nothing changes for correct programs; a failure here is left to the borrower's own work.
void build_libpqxx_statics_once(pqxx::connection& conn) {
  static std::once_flag built;
  std::call_once(built, [&conn] {
    try {
      pqxx::nontransaction(conn).exec("SELECT 1");
    } catch (const std::exception&) {
    }
  });
}

}  // namespace

struct PooledConnection::State {
  std::string url;
  std::chrono::milliseconds wait_timeout{0};

  mutable std::mutex mutex;
  std::condition_variable returned;
  std::vector<std::unique_ptr<pqxx::connection>> idle;  // guarded by mutex
  PoolStats stats;                                      // guarded by mutex; stats.size is the bound

  // Takes a slot: true with `out` set to an idle connection, or true with `out` null when the
  // caller may open a new one; false when all stats.size are lent. The caller holds the lock.
  bool take(std::unique_ptr<pqxx::connection>& out) {
    while (!idle.empty()) {
      out = std::move(idle.back());
      idle.pop_back();
      if (looks_alive(*out)) return true;
      out.reset();  // ended while idle: drop it and open another in its slot
      --stats.open;
      ++stats.replaced;
    }
    if (stats.open < stats.size) {
      ++stats.open;  // reserve the slot; opened outside the lock
      return true;
    }
    return false;
  }

  void give_back(std::unique_ptr<pqxx::connection> conn, bool broken) noexcept {
    std::unique_ptr<pqxx::connection> doomed;  // closed outside the lock
    {
      const std::lock_guard lock(mutex);
      --stats.in_use;
      if (broken || !conn->is_open()) {
        doomed = std::move(conn);
        --stats.open;
        ++stats.replaced;
      } else {
        idle.push_back(std::move(conn));
      }
    }
    returned.notify_one();
  }
};

PooledConnection::PooledConnection(std::shared_ptr<State> pool,
                                   std::unique_ptr<pqxx::connection> conn)
    : pool_(std::move(pool)), conn_(std::move(conn)) {}

PooledConnection::PooledConnection(PooledConnection&& other) noexcept
    : pool_(std::move(other.pool_)),
      conn_(std::move(other.conn_)),
      broken_(std::exchange(other.broken_, false)) {}

PooledConnection& PooledConnection::operator=(PooledConnection&& other) noexcept {
  if (this != &other) {
    give_back();
    pool_ = std::move(other.pool_);
    conn_ = std::move(other.conn_);
    broken_ = std::exchange(other.broken_, false);
  }
  return *this;
}

PooledConnection::~PooledConnection() { give_back(); }

void PooledConnection::give_back() noexcept {
  if (pool_ && conn_) pool_->give_back(std::move(conn_), broken_);
  pool_.reset();
  conn_.reset();
  broken_ = false;
}

ConnectionPool::ConnectionPool(std::string url, std::size_t size,
                               std::chrono::milliseconds wait_timeout)
    : state_(std::make_shared<PooledConnection::State>()) {
  Problems problems;
  if (size == 0) problems.add("connection pool: size must be >= 1, got 0.");
  if (wait_timeout.count() < 0) {
    problems.add("connection pool: wait_timeout must be >= 0ms, got " +
                 std::to_string(wait_timeout.count()) + "ms.");
  }
  problems.throw_if_any();
  state_->url = std::move(url);
  state_->wait_timeout = wait_timeout;
  state_->stats.size = size;
}

ConnectionPool::~ConnectionPool() = default;

PooledConnection ConnectionPool::acquire() {
  PooledConnection::State& s = *state_;
  std::unique_ptr<pqxx::connection> conn;
  {
    std::unique_lock lock(s.mutex);
    if (!s.take(conn)) {
      ++s.stats.waits;
      const auto deadline = std::chrono::steady_clock::now() + s.wait_timeout;
      if (!s.returned.wait_until(lock, deadline, [&] { return s.take(conn); })) {
        ++s.stats.timeouts;
        throw PoolTimeout(s.wait_timeout, s.stats.size);
      }
    }
    ++s.stats.in_use;
    ++s.stats.acquired;
  }
  if (!conn) {
    try {
      conn = std::make_unique<pqxx::connection>(s.url);
    } catch (...) {
      const std::lock_guard lock(s.mutex);
      --s.stats.open;
      --s.stats.in_use;
      --s.stats.acquired;
      s.returned.notify_one();  // the slot is free again for a waiter
      throw;
    }
    const std::lock_guard lock(s.mutex);
    ++s.stats.created;
  }
  build_libpqxx_statics_once(*conn);
  return PooledConnection(state_, std::move(conn));
}

PoolStats ConnectionPool::stats() const {
  const std::lock_guard lock(state_->mutex);
  return state_->stats;
}

const std::string& ConnectionPool::url() const noexcept { return state_->url; }

}  // namespace gauntlet
