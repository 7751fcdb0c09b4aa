#include "platform_e2e.hpp"

#include <iostream>
#include <thread>

namespace gauntlet {

std::unique_ptr<Platform> PlatformE2E::platform_;
std::string PlatformE2E::start_error_;

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void PlatformE2E::SetUpTestSuite() {
  try {
    platform_ = std::make_unique<Platform>(PlatformOptions::from_env(process_env()), std::cerr);
  } catch (const std::exception& e) {
    start_error_ = e.what();  // every test of the suite fails with it (see SetUp)
  }
}

void PlatformE2E::TearDownTestSuite() {
  if (platform_ && ::testing::UnitTest::GetInstance()->failed_test_count() > 0) {
    platform_->keep_logs();
  }
  platform_.reset();
}

void PlatformE2E::SetUp() {
  ASSERT_TRUE(platform_) << "the platform did not start:\n" << start_error_;
  db_ = std::make_unique<pqxx::connection>(platform_->database_url());
}

void PlatformE2E::TearDown() {
  if (!platform_) return;
  Client client = plain_client();
  for (const Service s : kAllServices) {
    client.del(url(s, "/__admin/faults"));
  }
}

Client PlatformE2E::authed_client() {
  Client client = plain_client();
  client.set_default_header({"Authorization", seed().authorization()});
  return client;
}

Client PlatformE2E::plain_client() {
  return Client(ClientOptions{.connect_timeout = std::chrono::milliseconds(2000),
                              .timeout = std::chrono::milliseconds(20'000)});
}

std::string PlatformE2E::unique(const std::string& what) const {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return what + "-" + info->name() + "-" + platform_->run_dir().filename().string();
}

void PlatformE2E::set_faults(Service service, const nlohmann::json& knobs) {
  const Response r = plain_client().post_json(url(service, "/__admin/faults"), knobs);
  ASSERT_EQ(r.status, 200) << service_name(service) << " refused the faults " << knobs.dump()
                           << ": " << r.body;
}

nlohmann::json PlatformE2E::admin_stats(Service service) {
  const Response r = plain_client().get(url(service, "/__admin/stats"));
  return r.status == 200 ? r.json().value_or(nlohmann::json::object()) : nlohmann::json::object();
}

bool PlatformE2E::healthy(Service service) {
  return plain_client().get(url(service, "/health")).status == 200;
}

}  // namespace gauntlet
