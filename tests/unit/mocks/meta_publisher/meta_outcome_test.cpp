// How the SafeExecutor reads Graph API answers: throttling codes wait as long as Meta says
// (scaled, floored), transient and permanent errors are told apart.
#include "meta_outcome.hpp"

#include <gtest/gtest.h>

namespace gauntlet::mocks {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

std::string graph_error(int code) {
  return json{{"error",
               {{"message", "(#" + std::to_string(code) + ") x"},
                {"type", "OAuthException"},
                {"code", code}}}}
      .dump();
}

Headers buc(int minutes) {
  return {
      {"X-Business-Use-Case-Usage",
       json{{"123", json::array(
                        {{{"type", "ads_management"}, {"estimated_time_to_regain_access", minutes}},
                         {{"type", "ads_insights"}, {"estimated_time_to_regain_access", 0}}})}}
           .dump()}};
}

TEST(MetaOutcome, EveryThrottleCodeIsThrottlingAndWaitsMetasEstimate) {
  const ThrottlePolicy policy{.min_wait = 100ms, .max_wait = 1h, .regain_scale = 1.0};
  for (int code : {4, 17, 613, 80000, 80004}) {
    const MetaOutcome o = classify_meta_response(400, buc(2), graph_error(code), policy);
    EXPECT_EQ(o.kind, MetaOutcomeKind::kThrottled) << code;
    EXPECT_EQ(o.code, code);
    EXPECT_EQ(o.wait, 120'000ms) << code;
    EXPECT_EQ(o.app_wide, code == 4);
  }
}

TEST(MetaOutcome, WaitIsScaledAndNeverBelowTheFloor) {
  const ThrottlePolicy scaled{.min_wait = 50ms, .max_wait = 1h, .regain_scale = 0.01};
  EXPECT_EQ(throttle_wait(buc(1), scaled), 600ms);
  // No estimate at all (#4 with idle use-case windows): the floor, never zero.
  EXPECT_EQ(throttle_wait(buc(0), scaled), 50ms);
  EXPECT_EQ(throttle_wait({}, scaled), 50ms);
  EXPECT_EQ(throttle_wait({{"X-Business-Use-Case-Usage", "not json"}}, scaled), 50ms);
  const ThrottlePolicy capped{.min_wait = 50ms, .max_wait = 30s, .regain_scale = 1.0};
  EXPECT_EQ(throttle_wait(buc(60), capped), 30s);
}

TEST(MetaOutcome, AccountResetDurationCountsToo) {
  const ThrottlePolicy policy{.min_wait = 10ms, .max_wait = 1h, .regain_scale = 1.0};
  const Headers h{{"X-Ad-Account-Usage", R"({"acc_id_util_pct":100,"reset_time_duration":7})"}};
  EXPECT_EQ(throttle_wait(h, policy), 7s);
}

// The scale is for the mock's scaled minutes only: reset_time_duration is real seconds.
TEST(MetaOutcome, AccountResetDurationIsNotScaled) {
  const ThrottlePolicy scaled{.min_wait = 10ms, .max_wait = 1h, .regain_scale = 0.01};
  Headers h = buc(1);
  h.set("X-Ad-Account-Usage", R"({"acc_id_util_pct":100,"reset_time_duration":2})");
  EXPECT_EQ(throttle_wait(h, scaled), 2s);
}

TEST(MetaOutcome, SuccessTransientAndPermanentAreToldApart) {
  const ThrottlePolicy policy;
  EXPECT_EQ(classify_meta_response(200, {}, R"({"success":true})", policy).kind,
            MetaOutcomeKind::kApplied);
  EXPECT_EQ(classify_meta_response(500, {}, graph_error(1), policy).kind,
            MetaOutcomeKind::kTransient);
  EXPECT_EQ(classify_meta_response(503, {}, "<html>", policy).kind, MetaOutcomeKind::kTransient);
  EXPECT_EQ(classify_meta_response(400, {}, graph_error(2), policy).kind,
            MetaOutcomeKind::kTransient);
  const MetaOutcome bad = classify_meta_response(400, {}, graph_error(100), policy);
  EXPECT_EQ(bad.kind, MetaOutcomeKind::kPermanent);
  EXPECT_EQ(bad.message, "(#100) x");
  EXPECT_EQ(classify_meta_response(400, {}, R"({"error":{"code":"weird"}})", policy).kind,
            MetaOutcomeKind::kPermanent);
}

}  // namespace
}  // namespace gauntlet::mocks
