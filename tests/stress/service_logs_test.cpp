// The pure readers behind the service-communication figures (fixtures/service_logs.hpp): they
// must find a missing request id and a missing breaker transition, or the figures could not fail.
#include "fixtures/service_logs.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <tuple>
#include <vector>

namespace gauntlet {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kLog =
    R"({"ts":"2026-12-03T10:00:00.001Z","level":"info","service":"titan-core","msg":"request","fields":{"request_id":"t-rid-1-1","status":200}})"
    "\n"
    R"({"ts":"2026-12-03T10:00:00.002Z","level":"info","service":"titan-core","msg":"request","fields":{"request_id":"t-rid-10-1","status":201}})"
    "\n";

TEST(ServiceLogs, FindsEveryIdThatNoLineMentions) {
  EXPECT_EQ(request_ids_missing_from_log(kLog, {"t-rid-1-1", "t-rid-2-1", "t-rid-10-1"}),
            std::vector<std::string>{"t-rid-2-1"});
}

TEST(ServiceLogs, AnIdInsideALongerIdDoesNotCount) {
  // "t-rid-1" is a prefix of both ids in the log, but no line holds it as a whole string.
  EXPECT_EQ(request_ids_missing_from_log(kLog, {"t-rid-1"}), std::vector<std::string>{"t-rid-1"});
}

TEST(ServiceLogs, AnEmptyLogMissesEveryIdAndAnEmptyIdIsNeverFound) {
  EXPECT_EQ(request_ids_missing_from_log("", {"a", "b"}), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(request_ids_missing_from_log(kLog, {""}), std::vector<std::string>{""});
  EXPECT_TRUE(request_ids_missing_from_log(kLog, {}).empty());
}

std::vector<BreakerSample> timeline(
    std::initializer_list<std::tuple<int, const char*, int>> points) {
  std::vector<BreakerSample> out;
  for (const auto& [ms, state, opened] : points) {
    out.push_back({std::chrono::milliseconds(ms), state, opened});
  }
  return out;
}

TEST(ServiceLogs, BreakerOpensProbesAgainAndClosesAfterTheFault) {
  // Opened once before the test's fault (another test's): counted from there.
  const auto samples = timeline({{0, "closed", 1},
                                 {900, "closed", 1},
                                 {1100, "open", 2},
                                 {1600, "open", 2},
                                 {2100, "half_open", 2},
                                 {2110, "open", 3},
                                 {3000, "open", 3},
                                 {3200, "half_open", 3},
                                 {3210, "closed", 3}});
  const BreakerTransitions t = breaker_transitions(samples, 1000ms, 3000ms);
  EXPECT_EQ(t.opened, std::chrono::nanoseconds(1100ms));
  EXPECT_EQ(t.reopened, std::chrono::nanoseconds(2110ms));
  EXPECT_EQ(t.closed, std::chrono::nanoseconds(3210ms));
}

TEST(ServiceLogs, ABreakerThatNeverOpenedHasNoTransitions) {
  const auto samples = timeline({{0, "closed", 0}, {1500, "closed", 0}, {3500, "closed", 0}});
  const BreakerTransitions t = breaker_transitions(samples, 1000ms, 3000ms);
  EXPECT_FALSE(t.opened);
  EXPECT_FALSE(t.reopened);
  EXPECT_FALSE(t.closed);  // "closed" after the fault counts only once it had opened
}

TEST(ServiceLogs, ABreakerStillOpenAfterTheFaultHasNoCloseAndNoLateReopen) {
  const auto samples =
      timeline({{0, "closed", 0}, {1200, "open", 1}, {3500, "open", 2}, {4000, "open", 2}});
  const BreakerTransitions t = breaker_transitions(samples, 1000ms, 3000ms);
  EXPECT_EQ(t.opened, std::chrono::nanoseconds(1200ms));
  EXPECT_FALSE(t.reopened);  // the second opening came after the fault was removed
  EXPECT_FALSE(t.closed);
}

}  // namespace
}  // namespace gauntlet
