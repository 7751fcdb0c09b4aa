// The gateway's forwarding table: public /api/v1/<resource> paths map to <service> /v1/<resource>.
#include "route_table.hpp"

#include <gtest/gtest.h>

#include "gauntlet/config_error.hpp"

namespace gauntlet::mocks {
namespace {

TEST(GatewayRouteTable, ForwardsEveryPlatformPrefixToItsService) {
  const RouteTable t = RouteTable::platform();
  const std::pair<const char*, RouteTarget> cases[] = {
      {"/api/v1/videos", {"drive-intel", "/v1/videos"}},
      {"/api/v1/predictions", {"ml-service", "/v1/predictions"}},
      {"/api/v1/council", {"titan-core", "/v1/council"}},
      {"/api/v1/dna/extract", {"titan-core", "/v1/dna/extract"}},
      {"/api/v1/cache/lookup", {"ml-service", "/v1/cache/lookup"}},
      {"/api/v1/rag/search", {"titan-core", "/v1/rag/search"}},
      {"/api/v1/feedback", {"ml-service", "/v1/feedback"}},
      {"/api/v1/budget/allocate", {"ml-service", "/v1/budget/allocate"}},
      {"/api/v1/learning/cycles", {"ml-service", "/v1/learning/cycles"}},
      {"/api/v1/render-jobs/17", {"video-agent", "/v1/render-jobs/17"}},
      {"/api/v1/ad-changes", {"meta-publisher", "/v1/ad-changes"}}};
  for (const auto& [path, want] : cases) {
    const auto got = t.resolve(path);
    ASSERT_TRUE(got) << path;
    EXPECT_EQ(got->service, want.service) << path;
    EXPECT_EQ(got->target, want.target) << path;
  }
}

TEST(GatewayRouteTable, KeepsDeeperPathsAndTheQuery) {
  const auto got = RouteTable::platform().resolve("/api/v1/videos/42/scenes?limit=5&x=%20y");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->target, "/v1/videos/42/scenes?limit=5&x=%20y");
}

TEST(GatewayRouteTable, MatchesOnlyAtSegmentBoundaries) {
  const RouteTable t = RouteTable::platform();
  EXPECT_FALSE(t.resolve("/api/v1/videosX"));
  EXPECT_FALSE(t.resolve("/api/v1/vid"));
  EXPECT_FALSE(t.resolve("/api/v2/videos"));
  EXPECT_FALSE(t.resolve("/api/v1/generations"));  // served by the gateway itself
}

TEST(GatewayRouteTable, LongestPrefixWins) {
  RouteTable t;
  t.add("/api/v1/rag", "titan-core", "/v1/rag");
  t.add("/api/v1/rag/admin", "ops", "/internal/rag");
  EXPECT_EQ(t.resolve("/api/v1/rag/admin/reindex")->service, "ops");
  EXPECT_EQ(t.resolve("/api/v1/rag/admin/reindex")->target, "/internal/rag/reindex");
  EXPECT_EQ(t.resolve("/api/v1/rag/search")->service, "titan-core");
}

TEST(GatewayRouteTable, RefusesMalformedAndDuplicatePrefixes) {
  RouteTable t;
  t.add("/api/v1/a", "s", "/v1/a");
  EXPECT_THROW(t.add("/api/v1/a", "s", "/v1/a"), ConfigError);
  EXPECT_THROW(t.add("api/v1/b", "s", "/v1/b"), ConfigError);
  EXPECT_THROW(t.add("/api/v1/c/", "s", "/v1/c"), ConfigError);
}

TEST(GatewayRetryable, IdempotentMethodsOrAnIdempotencyKey) {
  EXPECT_TRUE(is_retryable("GET", {}));
  EXPECT_TRUE(is_retryable("PUT", {}));
  EXPECT_TRUE(is_retryable("DELETE", {}));
  EXPECT_FALSE(is_retryable("POST", {}));
  EXPECT_FALSE(is_retryable("PATCH", {}));
  EXPECT_TRUE(is_retryable("POST", {{"idempotency-key", "k1"}}));
  EXPECT_FALSE(is_retryable("POST", {{"Idempotency-Key", ""}}));
}

}  // namespace
}  // namespace gauntlet::mocks
