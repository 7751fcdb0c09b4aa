#include "gauntlet/http/target_check.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gauntlet/config_error.hpp"

using ::testing::HasSubstr;

namespace gauntlet {
namespace {

TEST(TargetCheck, ExtractsTheHost) {
  EXPECT_EQ(url_host("http://127.0.0.1:8080/x"), "127.0.0.1");
  EXPECT_EQ(url_host("https://user:pw@localhost/x?y"), "localhost");
  EXPECT_EQ(url_host("http://[::1]:80/"), "::1");
  EXPECT_EQ(url_host("http://example.com"), "example.com");
  EXPECT_EQ(url_host("not a url"), "");
}

// Locust's Name column holds the request's path, not the whole URL.
TEST(TargetCheck, ExtractsThePathAndQueryAsLocustNamesARequest) {
  EXPECT_EQ(url_path_and_query("http://127.0.0.1:8080/api/v1?q=1#top"), "/api/v1?q=1");
  EXPECT_EQ(url_path_and_query("https://user:pw@localhost/x?y"), "/x?y");
  EXPECT_EQ(url_path_and_query("http://[::1]:80"), "/");
  EXPECT_EQ(url_path_and_query("http://h?only=query"), "/?only=query");
}

TEST(TargetCheck, AcceptsOnlyLoopbackAddresses) {
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("127.10.20.30"));
  EXPECT_TRUE(is_loopback_host("::1"));
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_TRUE(is_loopback_host("LOCALHOST"));
  EXPECT_FALSE(is_loopback_host("10.0.0.1"));
  EXPECT_FALSE(is_loopback_host("192.168.1.1"));
  EXPECT_FALSE(is_loopback_host("8.8.8.8"));
  EXPECT_FALSE(is_loopback_host("::2"));
  EXPECT_FALSE(is_loopback_host(""));
}

TEST(TargetCheck, RefusesRemoteTargetsNamingAllowRemote) {
  EXPECT_NO_THROW(check_target("http://127.0.0.1:8080/", false));
  EXPECT_NO_THROW(check_target("http://10.1.2.3/", true));
  try {
    check_target("http://10.1.2.3:80/x?token=abc", false);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("--allow-remote"));
    EXPECT_THAT(e.what(), HasSubstr("\"10.1.2.3\""));
    EXPECT_THAT(e.what(), ::testing::Not(HasSubstr("abc")));
  }
}

TEST(TargetCheck, RefusesUrlsThatAreNotHttp) {
  EXPECT_THROW(check_target("ftp://127.0.0.1/", true), ConfigError);
  EXPECT_THROW(check_target("127.0.0.1:8080", true), ConfigError);
  EXPECT_THROW(check_target("http:///path", true), ConfigError);
}

}  // namespace
}  // namespace gauntlet
