#include "gauntlet/pg/connection_pool.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <pqxx/pqxx>
#include <thread>
#include <vector>

#include "gauntlet/config_error.hpp"
#include "gauntlet/load/iteration_context.hpp"
#include "gauntlet/pg/database.hpp"
#include "gauntlet/process/free_port.hpp"
#include "pg_cluster_test.hpp"

namespace gauntlet {
namespace {

using std::chrono::milliseconds;
using testing::eventually;

int backend_pid(pqxx::connection& conn) {
  pqxx::nontransaction tx(conn);
  return tx.exec1("SELECT pg_backend_pid()")[0].as<int>();
}

class ConnectionPoolTest : public testing::PgClusterTest {};

TEST_F(ConnectionPoolTest, LendsAtMostSizeConnectionsAndTimesOutBeyond) {
  ConnectionPool pool(cluster().url(), 2, milliseconds(50));
  const PooledConnection first = pool.acquire();
  const PooledConnection second = pool.acquire();
  try {
    pool.acquire();
    FAIL() << "a third acquire() on a pool of 2 should time out";
  } catch (const PoolTimeout& e) {
    EXPECT_EQ(e.waited(), milliseconds(50));
    EXPECT_EQ(e.pool_size(), 2u);
    EXPECT_EQ(e.error_class(), ErrorClass::kPoolTimeout);
  }
  const PoolStats stats = pool.stats();
  EXPECT_EQ(stats.open, 2u);
  EXPECT_EQ(stats.in_use, 2u);
  EXPECT_EQ(stats.waits, 1u);
  EXPECT_EQ(stats.timeouts, 1u);
  EXPECT_EQ(stats.acquired, 2u);
}

TEST_F(ConnectionPoolTest, AReturnedConnectionIsLentAgain) {
  ConnectionPool pool(cluster().url(), 4, milliseconds(1000));
  int first_pid = 0;
  {
    PooledConnection lease = pool.acquire();
    first_pid = backend_pid(*lease);
  }
  EXPECT_EQ(pool.stats().in_use, 0u);
  PooledConnection lease = pool.acquire();
  EXPECT_EQ(backend_pid(*lease), first_pid);
  EXPECT_EQ(pool.stats().created, 1u);
}

TEST_F(ConnectionPoolTest, AWaiterGetsTheConnectionAnotherThreadReturns) {
  ConnectionPool pool(cluster().url(), 1, milliseconds(30'000));
  std::optional<PooledConnection> held(pool.acquire());
  bool got_one = false;
  std::thread waiter([&] {
    const PooledConnection lease = pool.acquire();
    got_one = lease->is_open();
  });
  ASSERT_TRUE(eventually([&] { return pool.stats().waits == 1; }));
  held.reset();  // returns the connection; the waiter takes it
  waiter.join();
  EXPECT_TRUE(got_one);
  EXPECT_EQ(pool.stats().timeouts, 0u);
  EXPECT_EQ(pool.stats().created, 1u);
}

// A connection the server ended while it sat idle in the pool (pg_terminate_backend to a whole
// service) is never lent: the first borrower after it gets a working one.
TEST_F(ConnectionPoolTest, AConnectionEndedWhileIdleIsNotLent) {
  const std::string url = fresh_database();
  ConnectionPool pool(url, 2, milliseconds(1000));
  std::vector<int> first_pids;
  {
    std::vector<PooledConnection> leases;
    for (int i = 0; i < 2; ++i) leases.push_back(pool.acquire());
    for (auto& lease : leases) first_pids.push_back(backend_pid(*lease));
  }
  ASSERT_EQ(terminate_backends(url), 2);
  pqxx::connection admin(url);
  ASSERT_TRUE(eventually(
      [&] {
        pqxx::nontransaction tx(admin);
        return tx.exec1(
                     "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                     "AND datname = current_database()")[0]
                   .as<int>() == 0;
      },
      milliseconds(5000)));
  for (int i = 0; i < 2; ++i) {
    PooledConnection lease = pool.acquire();
    int pid = 0;
    ASSERT_NO_THROW(pid = backend_pid(*lease)) << "lease " << i << " was a dead connection";
    EXPECT_EQ(std::count(first_pids.begin(), first_pids.end(), pid), 0);
  }
  const PoolStats stats = pool.stats();
  EXPECT_EQ(stats.replaced, 2u);
  EXPECT_EQ(stats.created, 3u);  // one new connection, lent twice
  EXPECT_EQ(stats.open, 1u);
}

TEST_F(ConnectionPoolTest, AConnectionItsBorrowerMarkedBrokenIsReplaced) {
  const std::string url = fresh_database();
  ConnectionPool pool(url, 1, milliseconds(1000));
  int first_pid = 0;
  {
    PooledConnection lease = pool.acquire();
    first_pid = backend_pid(*lease);
    lease.mark_broken();
  }
  PooledConnection lease = pool.acquire();
  EXPECT_NE(backend_pid(*lease), first_pid);
  const PoolStats stats = pool.stats();
  EXPECT_EQ(stats.replaced, 1u);
  EXPECT_EQ(stats.created, 2u);
  EXPECT_EQ(stats.open, 1u);
}

TEST_F(ConnectionPoolTest, AConnectionThatBrokeInUseIsReplacedWithoutBeingMarked) {
  const std::string url = fresh_database();
  ConnectionPool pool(url, 1, milliseconds(1000));
  int first_pid = 0;
  {
    PooledConnection lease = pool.acquire();
    first_pid = backend_pid(*lease);
    ASSERT_EQ(terminate_backends(url), 1);
    EXPECT_THROW(backend_pid(*lease), pqxx::broken_connection);
  }  // libpqxx now reports the connection closed; the pool drops it
  PooledConnection lease = pool.acquire();
  EXPECT_NE(backend_pid(*lease), first_pid);
  EXPECT_EQ(pool.stats().replaced, 1u);
}

TEST_F(ConnectionPoolTest, AFailedConnectFreesItsSlot) {
  const std::string nowhere = "postgresql://postgres@127.0.0.1:" + std::to_string(free_port()) +
                              "/gauntlet?connect_timeout=5";
  ConnectionPool pool(nowhere, 1, milliseconds(50));
  EXPECT_THROW(pool.acquire(), pqxx::broken_connection);
  // Not a PoolTimeout: the failed attempt gave its slot back.
  EXPECT_THROW(pool.acquire(), pqxx::broken_connection);
  const PoolStats stats = pool.stats();
  EXPECT_EQ(stats.open, 0u);
  EXPECT_EQ(stats.in_use, 0u);
  EXPECT_EQ(stats.timeouts, 0u);
}

TEST_F(ConnectionPoolTest, ALeaseMayOutliveItsPool) {
  std::optional<ConnectionPool> pool(std::in_place, cluster().url(), 1, milliseconds(100));
  PooledConnection lease = pool->acquire();
  pool.reset();
  EXPECT_GT(backend_pid(*lease), 0);
}

// A scenario that lets the pool's timeout escape has its iteration counted as pool_timeout, not
// as a generic exception.
TEST(ConnectionPool, ATimeoutEscapingAScenarioIsCountedAsPoolTimeout) {
  const auto [error_class, message] =
      classify_exception(std::make_exception_ptr(PoolTimeout(std::chrono::milliseconds(50), 2)));
  EXPECT_EQ(error_class, ErrorClass::kPoolTimeout);
  EXPECT_NE(message.find("50ms"), std::string::npos) << message;
}

TEST(ConnectionPool, RejectsAZeroSizeAndANegativeWait) {
  try {
    ConnectionPool pool("postgresql://unused", 0, milliseconds(-1));
    FAIL() << "the constructor should have thrown";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.problems().size(), 2u) << e.what();
    EXPECT_NE(std::string(e.what()).find("size must be >= 1, got 0"), std::string::npos);
  }
}

}  // namespace
}  // namespace gauntlet
