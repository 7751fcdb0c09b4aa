#include "gauntlet/pg/server_stats.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <pqxx/pqxx>
#include <thread>

#include "pg_cluster_test.hpp"

namespace gauntlet {
namespace {

using testing::eventually;

TEST(ServerSnapshot, DeltaSubtractsCountersAndKeepsTheLaterGauges) {
  ServerSnapshot before;
  before.xact_commit = 100;
  before.xact_rollback = 5;
  before.deadlocks = 1;
  before.conflicts = 0;
  before.connections = 50;
  ServerSnapshot after = before;
  after.xact_commit = 180;
  after.xact_rollback = 9;
  after.deadlocks = 3;
  after.conflicts = 2;
  after.connections = 7;
  after.idle_in_transaction = 2;
  after.lock_waits = 4;
  after.connections_by_state = {{"active", 5}, {"idle in transaction", 2}};
  const ServerSnapshot d = delta(before, after);
  EXPECT_EQ(d.xact_commit, 80);
  EXPECT_EQ(d.xact_rollback, 4);
  EXPECT_EQ(d.deadlocks, 2);
  EXPECT_EQ(d.conflicts, 2);
  EXPECT_EQ(d.connections, 7);
  EXPECT_EQ(d.idle_in_transaction, 2);
  EXPECT_EQ(d.lock_waits, 4);
  EXPECT_EQ(d.connections_by_state, after.connections_by_state);
}

TEST(ServerSnapshot, JsonCarriesEveryFigure) {
  ServerSnapshot s;
  s.connections_by_state = {{"idle", 3}};
  s.connections = 3;
  s.idle_in_transaction = 1;
  s.longest_idle_in_transaction_ms = 1500;
  s.lock_waits = 2;
  s.max_connections = 200;
  s.xact_commit = 10;
  s.xact_rollback = 4;
  s.deadlocks = 1;
  s.conflicts = 0;
  const auto json = s.to_json();
  EXPECT_EQ(json.at("connections_by_state").at("idle"), 3);
  EXPECT_EQ(json.at("connections"), 3);
  EXPECT_EQ(json.at("idle_in_transaction"), 1);
  EXPECT_EQ(json.at("longest_idle_in_transaction_ms"), 1500);
  EXPECT_EQ(json.at("lock_waits"), 2);
  EXPECT_EQ(json.at("max_connections"), 200);
  EXPECT_EQ(json.at("xact_commit"), 10);
  EXPECT_EQ(json.at("xact_rollback"), 4);
  EXPECT_EQ(json.at("deadlocks"), 1);
  EXPECT_EQ(json.at("conflicts"), 0);
}

class ServerStatsTest : public testing::PgClusterTest {
 protected:
  void SetUp() override {
    PgClusterTest::SetUp();
    url_ = fresh_database();
    observer_ = std::make_unique<pqxx::connection>(url_);
  }
  ServerSnapshot snapshot() { return take_server_snapshot(*observer_); }

  std::string url_;
  std::unique_ptr<pqxx::connection> observer_;
};

TEST_F(ServerStatsTest, SeesAnIdleInTransactionSession) {
  EXPECT_EQ(snapshot().idle_in_transaction, 0);
  pqxx::connection idler(url_);
  pqxx::work open(idler);
  open.exec("SELECT 1");  // the transaction is now open and idle
  const ServerSnapshot s = snapshot();
  EXPECT_EQ(s.idle_in_transaction, 1);
  EXPECT_EQ(s.connections_by_state.at("idle in transaction"), 1);
  EXPECT_EQ(s.connections, 1) << "the observer's own session is not counted";
  EXPECT_EQ(s.max_connections, 200);
}

TEST_F(ServerStatsTest, SeesALockWaitAndCountsTheDeadlockItBecomes) {
  {
    pqxx::nontransaction setup(*observer_);
    setup.exec("CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 0), (2, 0)");
  }
  const ServerSnapshot before = snapshot();
  bool a_deadlocked = false;
  bool b_deadlocked = false;
  {
    pqxx::connection a(url_);
    pqxx::connection b(url_);
    std::optional<pqxx::work> ta(std::in_place, a);
    std::optional<pqxx::work> tb(std::in_place, b);
    ta->exec("UPDATE t SET v = 1 WHERE id = 1");
    tb->exec("UPDATE t SET v = 1 WHERE id = 2");
    std::thread blocked([&] {
      try {
        ta->exec("UPDATE t SET v = 2 WHERE id = 2");  // waits for b
      } catch (const pqxx::deadlock_detected&) {
        a_deadlocked = true;
      }
    });
    EXPECT_TRUE(eventually([&] { return snapshot().lock_waits >= 1; }));
    try {
      tb->exec("UPDATE t SET v = 2 WHERE id = 1");  // closes the cycle
    } catch (const pqxx::deadlock_detected&) {
      b_deadlocked = true;
    }
    tb.reset();  // ends b's transaction, releasing a if b survived
    blocked.join();
  }  // disconnecting publishes the sessions' counts
  EXPECT_NE(a_deadlocked, b_deadlocked) << "exactly one of the two is the deadlock's victim";
  EXPECT_TRUE(eventually([&] { return delta(before, snapshot()).deadlocks == 1; }));
}

TEST_F(ServerStatsTest, CountsTheRollbacksOfOtherSessions) {
  const ServerSnapshot before = snapshot();
  {
    pqxx::connection other(url_);
    for (int i = 0; i < 3; ++i) {
      pqxx::work tx(other);
      tx.exec("SELECT 1");
    }  // each work is destroyed without commit(): a rollback
  }    // disconnecting publishes the session's counts
  EXPECT_TRUE(eventually([&] { return delta(before, snapshot()).xact_rollback >= 3; }));
}

}  // namespace
}  // namespace gauntlet
