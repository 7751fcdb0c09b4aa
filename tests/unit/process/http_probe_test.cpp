#include "gauntlet/process/http_probe.hpp"

#include <gtest/gtest.h>

#include "gauntlet/process/free_port.hpp"
#include "test_http_server.hpp"

namespace gauntlet {
namespace {

using std::chrono::milliseconds;
using testing::TestHttpServer;

TEST(HttpProbe, ReadsTheStatusCodeTheServerAnswers) {
  TestHttpServer server(TestHttpServer::status_reply(204));
  const HttpProbeResult result =
      http_probe("127.0.0.1", server.port(), "/health", milliseconds(5000));
  EXPECT_EQ(result.status, 204);
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(result.error, "");
}

TEST(HttpProbe, A503IsAStatusButNotOk) {
  TestHttpServer server(TestHttpServer::status_reply(503));
  const HttpProbeResult result =
      http_probe("127.0.0.1", server.port(), "/health", milliseconds(5000));
  EXPECT_EQ(result.status, 503);
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.describe(), "HTTP 503");
}

TEST(HttpProbe, ReportsARefusedConnectionAsAnError) {
  const std::uint16_t port = free_port();  // nothing listens there (barring a race)
  const HttpProbeResult result = http_probe("127.0.0.1", port, "/health", milliseconds(5000));
  EXPECT_EQ(result.status, 0);
  EXPECT_NE(result.error.find("refused"), std::string::npos) << result.error;
}

TEST(HttpProbe, ReportsAMalformedStatusLine) {
  TestHttpServer server("SMTP ready\r\n\r\n");
  const HttpProbeResult result =
      http_probe("127.0.0.1", server.port(), "/health", milliseconds(5000));
  EXPECT_EQ(result.status, 0);
  EXPECT_NE(result.error.find("malformed status line"), std::string::npos) << result.error;
}

TEST(HttpProbe, TimesOutOnAServerThatNeverAnswers) {
  TestHttpServer server("");
  const HttpProbeResult result =
      http_probe("127.0.0.1", server.port(), "/health", milliseconds(100));
  EXPECT_EQ(result.status, 0);
  EXPECT_EQ(result.error, "timed out");
}

TEST(HttpProbe, ReportsAnUnresolvableHost) {
  const HttpProbeResult result = http_probe("no-such-host.invalid", 80, "/", milliseconds(2000));
  EXPECT_EQ(result.status, 0);
  EXPECT_NE(result.error.find("cannot resolve no-such-host.invalid"), std::string::npos)
      << result.error;
}

TEST(FreePort, GivesAPortThatCanBeBound) {
  const std::uint16_t port = free_port();
  ASSERT_NE(port, 0);
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ::close(fd);
}

}  // namespace
}  // namespace gauntlet
