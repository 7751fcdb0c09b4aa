#include "gauntlet/http/transfer_failure.hpp"

#include <gtest/gtest.h>

#include <array>
#include <utility>

#include "gauntlet/http/outcome.hpp"

namespace gauntlet {
namespace {

// The native transport reports a TransferFailure directly; the curl transport translates its
// CURLcode. Each failure the native transport reports must count under the class libcurl's
// matching code counts under, or a run would mean something else on each transport.
TEST(TransferFailure, NativeFailuresCountAsTheirCurlCodesDo) {
  const std::array<std::pair<TransferFailure, CURLcode>, 8> pairs = {{
      {TransferFailure::kResolve, CURLE_COULDNT_RESOLVE_HOST},
      {TransferFailure::kConnect, CURLE_COULDNT_CONNECT},
      {TransferFailure::kTimeout, CURLE_OPERATION_TIMEDOUT},
      {TransferFailure::kSend, CURLE_SEND_ERROR},
      {TransferFailure::kRecv, CURLE_RECV_ERROR},
      {TransferFailure::kMalformedResponse, CURLE_WEIRD_SERVER_REPLY},
      {TransferFailure::kEmptyReply, CURLE_GOT_NOTHING},
      {TransferFailure::kPartialBody, CURLE_PARTIAL_FILE},
  }};
  for (const auto& [failure, code] : pairs) {
    EXPECT_EQ(transfer_failure_of(code), failure) << curl_easy_strerror(code);
    for (long status : {0L, 200L}) {
      EXPECT_EQ(classify_transfer(failure, status), classify_outcome(code, status))
          << curl_easy_strerror(code) << " at status " << status;
    }
  }
}

TEST(TransferFailure, SuccessIsDecidedByTheStatus) {
  EXPECT_EQ(classify_transfer(TransferFailure::kNone, 204), std::nullopt);
  EXPECT_EQ(classify_transfer(TransferFailure::kNone, 503), ErrorClass::kHttp5xx);
  EXPECT_EQ(classify_transfer(TransferFailure::kNone, 0), ErrorClass::kProtocol);
  EXPECT_EQ(classify_transfer(TransferFailure::kTls, 0), ErrorClass::kTls);
  EXPECT_EQ(classify_transfer(TransferFailure::kOther, 0), ErrorClass::kProtocol);
}

TEST(TransferFailure, AFailureWithoutDetailIsStillNamed) {
  std::array<char, 128> buf{};
  EXPECT_EQ(describe_transfer(TransferFailure::kEmptyReply, 0, "", buf),
            "Server returned nothing (no headers, no data)");
  EXPECT_EQ(describe_transfer(TransferFailure::kNone, 404, "", buf), "HTTP 404");
}

}  // namespace
}  // namespace gauntlet
