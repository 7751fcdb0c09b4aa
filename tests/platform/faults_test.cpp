// Each service fault knob (POST /__admin/faults) and its effect, seen directly and through the
// gateway; SIGKILL and the crash_after knob, after which the fixture's supervisor restarts the
// service. PlatformE2E::TearDown turns every knob off again.
#include <signal.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "platform_e2e.hpp"

namespace gauntlet {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr milliseconds kRestartPatience{20'000};

std::int64_t injected(const json& stats, const char* kind) {
  return stats.value("/faults/injected"_json_pointer, json::object()).value(kind, std::int64_t{0});
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST_F(PlatformE2E, LatencyKnobDelaysRequestsDirectlyAndThroughTheGateway) {
  set_faults(Service::kDriveIntel, {{"latency_ms", 300}});
  const Response direct = plain_client().get(url(Service::kDriveIntel, "/v1/videos/999999999"));
  EXPECT_EQ(direct.status, 404) << direct.body;
  EXPECT_GE(direct.elapsed, milliseconds(300));
  const Response via = authed_client().get(gateway("/api/v1/videos/999999999"));
  EXPECT_EQ(via.status, 404) << via.body;
  EXPECT_GE(via.elapsed, milliseconds(300));
  EXPECT_GE(injected(admin_stats(Service::kDriveIntel), "delayed"), 2);
}

TEST_F(PlatformE2E, ErrorRateKnobAnswersTheConfiguredStatusUntilReset) {
  set_faults(Service::kMlService, {{"error_rate", 1.0}, {"error_status", 503}});
  Client client = plain_client();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(client.get(url(Service::kMlService, "/v1/predictions/1")).status, 503);
  }
  EXPECT_EQ(authed_client().get(gateway("/api/v1/predictions/1")).status, 503);
  EXPECT_GE(injected(admin_stats(Service::kMlService), "error"), 3);
  EXPECT_TRUE(healthy(Service::kMlService));  // /health is never faulted

  set_faults(Service::kMlService, {{"reset", true}});
  EXPECT_NE(client.get(url(Service::kMlService, "/v1/predictions/1")).status, 503);
}

TEST_F(PlatformE2E, StallKnobHoldsRequestsUntilTheStallEnds) {
  set_faults(Service::kTitanCore, {{"stall_ms", 1000}, {"period_ms", 60'000}});
  const Response r = plain_client().post_json(url(Service::kTitanCore, "/v1/rag/search"),
                                              {{"query", "stall probe"}, {"k", 1}});
  EXPECT_EQ(r.status, 200) << r.body;
  // The stall began at the POST above and lasts 1 s; this request came a few ms later.
  EXPECT_GE(r.elapsed, milliseconds(400));
  EXPECT_GE(injected(admin_stats(Service::kTitanCore), "stalled"), 1);
}

TEST_F(PlatformE2E, DropKnobClosesConnectionsWithoutAnswerAndTheGatewaySays502) {
  set_faults(Service::kVideoAgent, {{"drop_connection", 1.0}});
  const Response direct = plain_client().get(url(Service::kVideoAgent, "/v1/render-jobs/1"));
  EXPECT_EQ(direct.status, 0);
  EXPECT_TRUE(direct.error.has_value());
  EXPECT_EQ(authed_client().get(gateway("/api/v1/render-jobs/1")).status, 502);
  EXPECT_GE(injected(admin_stats(Service::kVideoAgent), "drop"), 1);
  EXPECT_TRUE(healthy(Service::kVideoAgent));
}

TEST_F(PlatformE2E, CrashAfterKnobEndsTheProcessAndTheSupervisorRestartsIt) {
  if (!platform().is_managed(Service::kDriveIntel)) {
    GTEST_SKIP() << "drive-intel is external (GAUNTLET_DRIVE_INTEL_URL): it cannot be restarted";
  }
  const pid_t before = platform().pid(Service::kDriveIntel);
  const std::uint64_t restarts_before = platform().restarts(Service::kDriveIntel);
  set_faults(Service::kDriveIntel, {{"crash_after", 1}});
  Client client = plain_client();
  EXPECT_EQ(client.get(url(Service::kDriveIntel, "/v1/videos/999999999")).status, 404);
  EXPECT_EQ(client.get(url(Service::kDriveIntel, "/v1/videos/999999999")).status, 0);

  const auto after = platform().wait_restarted(Service::kDriveIntel, before, kRestartPatience);
  ASSERT_TRUE(after.has_value()) << "drive-intel was not restarted";
  EXPECT_EQ(platform().restarts(Service::kDriveIntel), restarts_before + 1);
  EXPECT_NE(read_file(platform().log_path(Service::kDriveIntel)).find("crash_after"),
            std::string::npos);
  // A new process starts with every knob off.
  EXPECT_EQ(client.get(url(Service::kDriveIntel, "/v1/videos/999999999")).status, 404);
}

TEST_F(PlatformE2E, RestartOnRequestKeepsTheUrlAndIsNotCountedAsACrash) {
  if (!platform().is_managed(Service::kTitanCore)) {
    GTEST_SKIP() << "titan-core is external (GAUNTLET_TITAN_CORE_URL): it cannot be restarted";
  }
  const pid_t before = platform().pid(Service::kTitanCore);
  const std::uint64_t restarts_before = platform().restarts(Service::kTitanCore);
  platform().restart(Service::kTitanCore);
  EXPECT_NE(platform().pid(Service::kTitanCore), before);
  EXPECT_TRUE(healthy(Service::kTitanCore));
  EXPECT_EQ(platform().restarts(Service::kTitanCore), restarts_before);
}

TEST_F(PlatformE2E, KilledServicesAreRestartedBySupervisorAndServeAgain) {
  for (const Service s : {Service::kMlService, Service::kGateway}) {
    if (!platform().is_managed(s)) {
      GTEST_SKIP() << service_name(s) << " is external: it cannot be killed";
    }
    const std::uint64_t restarts_before = platform().restarts(s);
    const pid_t victim = platform().kill9(s);
    const auto back = platform().wait_restarted(s, victim, kRestartPatience);
    ASSERT_TRUE(back.has_value()) << service_name(s) << " was not restarted after SIGKILL";
    EXPECT_NE(*back, victim);
    EXPECT_EQ(platform().restarts(s), restarts_before + 1) << "not restarted by the supervisor";
    EXPECT_EQ(::kill(victim, 0), -1) << service_name(s) << " pid " << victim << " still exists";
  }
  const Response r = authed_client().post_json(
      gateway("/api/v1/predictions"),
      {{"features", {{"duration_s", 30}}}, {"campaign_id", seed().campaign_id}});
  EXPECT_EQ(r.status, 201) << r.body;
}

}  // namespace
}  // namespace gauntlet
