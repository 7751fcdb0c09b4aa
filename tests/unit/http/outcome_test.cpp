#include "gauntlet/http/outcome.hpp"

#include <gtest/gtest.h>

#include <array>
#include <initializer_list>
#include <optional>

namespace gauntlet {
namespace {

struct Classified {
  CURLcode code;
  long status;
  std::optional<ErrorClass> expected;  // nullopt: a success
};

void expect_classified(std::initializer_list<Classified> cases) {
  for (const Classified& c : cases) {
    EXPECT_EQ(classify_outcome(c.code, c.status), c.expected)
        << curl_easy_strerror(c.code) << ", status " << c.status;
  }
}

TEST(ClassifyOutcome, SuccessIsAnyCompletedTransferBelow400) {
  expect_classified({{CURLE_OK, 200, std::nullopt},
                     {CURLE_OK, 204, std::nullopt},
                     {CURLE_OK, 302, std::nullopt}});
}

TEST(ClassifyOutcome, HttpErrorsByStatusRange) {
  expect_classified({{CURLE_OK, 400, ErrorClass::kHttp4xx},
                     {CURLE_OK, 499, ErrorClass::kHttp4xx},
                     {CURLE_OK, 500, ErrorClass::kHttp5xx},
                     {CURLE_OK, 599, ErrorClass::kHttp5xx},
                     {CURLE_OK, 0, ErrorClass::kProtocol},
                     {CURLE_OK, 600, ErrorClass::kProtocol}});
}

TEST(ClassifyOutcome, TransportFailuresByCurlCode) {
  expect_classified({{CURLE_COULDNT_CONNECT, 0, ErrorClass::kConnect},
                     {CURLE_COULDNT_RESOLVE_HOST, 0, ErrorClass::kDns},
                     {CURLE_OPERATION_TIMEDOUT, 0, ErrorClass::kTimeout},
                     {CURLE_OPERATION_TIMEDOUT, 200, ErrorClass::kTimeout},
                     {CURLE_SSL_CONNECT_ERROR, 0, ErrorClass::kTls},
                     {CURLE_PEER_FAILED_VERIFICATION, 0, ErrorClass::kTls},
                     {CURLE_GOT_NOTHING, 0, ErrorClass::kProtocol},
                     {CURLE_PARTIAL_FILE, 200, ErrorClass::kProtocol},
                     {CURLE_WEIRD_SERVER_REPLY, 0, ErrorClass::kProtocol}});
}

TEST(ClassifyOutcome, AResetIsAConnectFailureBeforeTheResponseAndProtocolAfter) {
  expect_classified({{CURLE_RECV_ERROR, 0, ErrorClass::kConnect},
                     {CURLE_SEND_ERROR, 0, ErrorClass::kConnect},
                     {CURLE_RECV_ERROR, 200, ErrorClass::kProtocol}});
}

TEST(DescribeOutcome, NamesTheHttpCode) {
  std::array<char, 64> buf{};
  EXPECT_EQ(describe_outcome(CURLE_OK, 503, "", buf), "HTTP 503");
}

TEST(DescribeOutcome, WritesMeasuredNumbersAsNSoOneKindGivesOneSample) {
  std::array<char, 256> a{};
  std::array<char, 256> b{};
  const std::string_view first =
      describe_outcome(CURLE_OPERATION_TIMEDOUT, 0,
                       "Operation timed out after 200 milliseconds with 0 bytes received\n", a);
  const std::string_view second =
      describe_outcome(CURLE_OPERATION_TIMEDOUT, 0,
                       "Operation timed out after 201 milliseconds with 0 bytes received", b);
  EXPECT_EQ(first, "Operation timed out after N milliseconds with N bytes received");
  EXPECT_EQ(first, second);
  std::array<char, 256> c{};
  EXPECT_EQ(describe_outcome(
                CURLE_COULDNT_CONNECT, 0,
                "Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn't connect to server", c),
            "Failed to connect to 127.0.0.1 port 9 after N ms: Couldn't connect to server");
}

TEST(DescribeOutcome, FallsBackToCurlsTextAndTruncatesToTheBuffer) {
  std::array<char, 256> buf{};
  EXPECT_EQ(describe_outcome(CURLE_GOT_NOTHING, 0, "", buf), curl_easy_strerror(CURLE_GOT_NOTHING));
  std::array<char, 8> small{};
  EXPECT_EQ(describe_outcome(CURLE_OK, 503, "", small), "HTTP 50");
}

}  // namespace
}  // namespace gauntlet
