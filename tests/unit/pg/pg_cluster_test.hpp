#pragma once
// A base fixture giving the pg tests a real PostgreSQL server, and fresh databases on it so that
// tests do not see each other's tables.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <thread>

#include "gauntlet/pg/embedded_postgres.hpp"

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

}  // namespace gauntlet::testing
