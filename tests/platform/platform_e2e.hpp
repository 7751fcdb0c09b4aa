#pragma once
// The fixture of the platform end-to-end tests: one Platform for the whole PlatformE2E suite
// (starting it costs seconds), a gateway client authenticated with the seed's API key, and a
// database connection to check the rows each flow wrote.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <utility>

#include "fixtures/platform.hpp"
#include "gauntlet/http/client.hpp"

namespace gauntlet {

// Polls `done` every 50 ms until it returns true (then true) or `timeout` passes (then false).
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout);

class PlatformE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;
  void TearDown() override;  // turns every fault knob off again

  static Platform& platform() { return *platform_; }
  static std::string url(Service service, const std::string& path) {
    return platform_->url(service) + path;
  }
  static std::string gateway(const std::string& path) { return url(Service::kGateway, path); }
  static const PlatformSeed& seed() { return platform_->seed(); }

  // A client that sends the seed's API key with every request.
  static Client authed_client();
  // A client without credentials (for the services behind the gateway and the mocks).
  static Client plain_client();
  // A name unique to this test within this run: "<TestName>-<run id>".
  std::string unique(const std::string& what) const;

  // Runs `sql` with parameters in a read-only statement and returns the result.
  template <typename... Args>
  pqxx::result query(const std::string& sql, Args&&... args) {
    pqxx::nontransaction tx(*db_);
    return tx.exec_params(sql, std::forward<Args>(args)...);
  }
  // The single value of a one-row, one-column query, as T.
  template <typename T, typename... Args>
  T scalar(const std::string& sql, Args&&... args) {
    const pqxx::result r = query(sql, std::forward<Args>(args)...);
    if (r.size() != 1 || r.columns() != 1) {
      throw std::runtime_error("expected one value from: " + sql + ", got " +
                               std::to_string(r.size()) + " rows");
    }
    return r[0][0].as<T>();
  }

  // POST /__admin/faults on a service with `knobs`; fails the test unless it answers 200.
  static void set_faults(Service service, const nlohmann::json& knobs);
  // The service's GET /__admin/stats.
  static nlohmann::json admin_stats(Service service);
  // True when GET /health answers 200.
  static bool healthy(Service service);

 private:
  static std::unique_ptr<Platform> platform_;
  static std::string start_error_;
  std::unique_ptr<pqxx::connection> db_;
};

}  // namespace gauntlet
