#pragma once
// Base fixtures giving the pg tests a real PostgreSQL server, and fresh databases on it so that
// tests do not see each other's tables; MigratedDbTest adds the platform's schema (the mocks'
// platform tests).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <thread>

#include "fixtures/platform_schema.hpp"
#include "gauntlet/pg/embedded_postgres.hpp"
#include "gauntlet/pg/migrations.hpp"

namespace gauntlet::testing {

// Polls `condition` until it holds or `bound` passes; never asserts on how long it took.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds bound = std::chrono::milliseconds(10'000)) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// One embedded cluster per test process, started by the first test that needs it and stopped
// when the process exits, so that running the whole binary pays for one initdb. fsync is off:
// this cluster only has to live as long as the process.
class PgClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Shared& shared = state();
    if (!shared.cluster && shared.error.empty()) {
      try {
        EmbeddedPostgresOptions options;
        options.fsync = false;
        options.synchronous_commit = false;
        options.settings = {{"deadlock_timeout", "100ms"}};
        shared.cluster = std::make_unique<EmbeddedPostgres>(options);
      } catch (const std::exception& e) {
        shared.error = e.what();
      }
    }
    ASSERT_TRUE(shared.cluster) << "the embedded cluster did not start: " << shared.error;
    // A failed stop/restart test must not leave the next test without a server.
    if (!shared.cluster->running()) shared.cluster->start();
  }

  static EmbeddedPostgres& cluster() { return *state().cluster; }

  // Creates an empty database on the cluster and returns its URL.
  static std::string fresh_database() {
    const std::string name = "test_" + std::to_string(++state().databases);
    pqxx::connection admin(cluster().url_for("postgres"));
    pqxx::nontransaction tx(admin);
    tx.exec0("CREATE DATABASE " + name);
    return cluster().url_for(name);
  }

 private:
  struct Shared {
    std::unique_ptr<EmbeddedPostgres> cluster;
    std::string error;
    int databases = 0;
  };
  static Shared& state() {
    static Shared shared;  // destroyed at exit: the cluster is stopped and removed then
    return shared;
  }
};

// Each test gets a fresh database with the platform's migrations (mocks/schema) applied, at
// url_, and small helpers to seed and inspect it outside the code under test.
class MigratedDbTest : public PgClusterTest {
 protected:
  void SetUp() override {
    PgClusterTest::SetUp();
    if (HasFatalFailure()) return;
    url_ = fresh_database();
    pqxx::connection conn(url_);
    apply_migrations(conn, platform_schema_dir());
  }

  // Runs `sql` (one or more statements) in one committed transaction.
  void run(const std::string& sql) const {
    pqxx::connection conn(url_);
    pqxx::work tx(conn);
    tx.exec(sql);
    tx.commit();
  }
  // The one value of the one row `sql` returns (autocommit: an INSERT ... RETURNING sticks).
  template <class T = std::int64_t>
  T scalar(const std::string& sql) const {
    pqxx::connection conn(url_);
    pqxx::nontransaction tx(conn);
    return tx.exec1(sql)[0].as<T>();
  }

  std::string url_;
};

}  // namespace gauntlet::testing
