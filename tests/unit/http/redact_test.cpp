#include "gauntlet/http/redact.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using ::testing::HasSubstr;
using ::testing::Not;

namespace gauntlet {
namespace {

TEST(Redact, KnowsWhichHeadersCarrySecrets) {
  for (const char* name : {"Authorization", "proxy-authorization", "Cookie", "Set-Cookie",
                           "X-Api-Key", "X-Auth-Token", "x-client-secret"}) {
    EXPECT_TRUE(is_sensitive_header(name)) << name;
  }
  for (const char* name : {"Content-Type", "Accept", "X-Request-Id", "Host"}) {
    EXPECT_FALSE(is_sensitive_header(name)) << name;
  }
}

TEST(Redact, HidesSensitiveHeaderValuesOnly) {
  EXPECT_EQ(redacted_header_line({"Authorization", "Bearer abc"}), "Authorization: [REDACTED]");
  EXPECT_EQ(redacted_header_line({"Accept", "text/plain"}), "Accept: text/plain");
}

TEST(Redact, HidesCredentialsAndTokensInUrls) {
  EXPECT_EQ(redact_url("http://user:pw@127.0.0.1:8080/v1?access_token=abc&limit=5"),
            "http://[REDACTED]@127.0.0.1:8080/v1?access_token=[REDACTED]&limit=5");
  EXPECT_EQ(redact_url("http://127.0.0.1/graph?fields=id&api_key=k1"),
            "http://127.0.0.1/graph?fields=id&api_key=[REDACTED]");
  EXPECT_EQ(redact_url("http://127.0.0.1:8080/ok"), "http://127.0.0.1:8080/ok");
}

TEST(Redact, HidesTokensInFreeText) {
  const std::string text = redact_text(
      "request failed: Authorization: Bearer eyJhbGciOi.x.y, body {\"password\": \"hunter2\"} "
      "token=t0k3n Basic dXNlcjpwYXNz");
  EXPECT_THAT(text, Not(HasSubstr("eyJhbGciOi")));
  EXPECT_THAT(text, Not(HasSubstr("hunter2")));
  EXPECT_THAT(text, Not(HasSubstr("t0k3n")));
  EXPECT_THAT(text, Not(HasSubstr("dXNlcjpwYXNz")));
  EXPECT_THAT(text, HasSubstr("request failed: Authorization: Bearer [REDACTED]"));
}

TEST(Redact, LeavesOrdinaryMessagesUntouched) {
  const std::string message =
      "Failed to connect to 127.0.0.1 port 9 after N ms: Couldn't connect to server";
  EXPECT_EQ(redact_text(message), message);
  EXPECT_EQ(redact_text("HTTP 503 (GET /v1/items)"), "HTTP 503 (GET /v1/items)");
}

}  // namespace
}  // namespace gauntlet
