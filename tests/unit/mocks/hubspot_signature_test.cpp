#include "gauntlet/mocks/hubspot_signature.hpp"

#include <gtest/gtest.h>

namespace gauntlet::mocks {
namespace {

// The client secret of HubSpot's published examples ("Validating requests from HubSpot").
constexpr const char* kSecret = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy";

std::chrono::system_clock::time_point at_ms(std::int64_t ms) {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}

TEST(HubSpotSignature, V1MatchesHubSpotsPublishedExample) {
  const HubSpotSignature sig(kSecret);
  const std::string body =
      R"([{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,)"
      R"("subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,)"
      R"("changeSource":"CRM","changeFlag":"NEW","appId":54321}])";
  EXPECT_EQ(sig.sign_v1(body), "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de");
  EXPECT_TRUE(sig.verify_v1(body, sig.sign_v1(body)));
  EXPECT_FALSE(sig.verify_v1(body + " ", sig.sign_v1(body)));
}

TEST(HubSpotSignature, V2MatchesHubSpotsPublishedExamples) {
  const HubSpotSignature sig(kSecret);
  EXPECT_EQ(sig.sign_v2("GET", "https://www.example.com/webhook_uri", ""),
            "eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e");
  EXPECT_EQ(sig.sign_v2("POST", "https://www.example.com/webhook_uri",
                        R"({"example_field":"example_value"})"),
            "9569219f8ba981ffa6f6f16aa0f48637d35d728c7e4d93d0d52efaa512af7900");
}

// HubSpot publishes no v3 example with every input and the result, so the expected values come
// from the OpenSSL command line, an independent implementation:
//   printf '%s'
//   'POSThttps://www.example.com/webhook_uri{"example_field":"example_value"}1700000000000'
//     | openssl dgst -sha256 -hmac "$SECRET" -binary | base64   (one pipeline)
TEST(HubSpotSignature, V3MatchesOpensslCommandLine) {
  const HubSpotSignature sig(kSecret);
  EXPECT_EQ(sig.sign_v3("POST", "https://www.example.com/webhook_uri",
                        R"({"example_field":"example_value"})", "1700000000000"),
            "rQEKkaNUiu+1qGF//O/pw4BCzstSqO1PyUnGICmf+7o=");
  EXPECT_EQ(
      sig.sign_v3("GET", "https://www.example.com/webhook_uri?a=1&b=x:y", "", "1700000000000"),
      "6EI+/8DzjBYWEh65rETwc1Cw6mDOk5rDY5LAsxy/HUU=");
}

TEST(HubSpotSignature, V3VerifiesInsideTheWindowAndRejectsOutside) {
  const HubSpotSignature sig(kSecret);
  const std::string uri = "http://127.0.0.1:8080/webhooks/hubspot";
  const std::string body = R"([{"eventId":7}])";
  const std::string ts = "1700000000000";
  const std::string good = sig.sign_v3("POST", uri, body, ts);
  EXPECT_EQ(sig.verify_v3("POST", uri, body, good, ts, at_ms(1700000000000 + 299'000)),
            SignatureCheck::kValid);
  EXPECT_EQ(sig.verify_v3("POST", uri, body, good, ts, at_ms(1700000000000 + 300'001)),
            SignatureCheck::kExpired);
  EXPECT_EQ(sig.verify_v3("POST", uri, body, good, ts, at_ms(1700000000000 - 300'001)),
            SignatureCheck::kExpired);
  EXPECT_EQ(sig.verify_v3("POST", uri, body + " ", good, ts, at_ms(1700000000000)),
            SignatureCheck::kMismatch);
  EXPECT_EQ(sig.verify_v3("POST", uri, body, good, "17000x", at_ms(1700000000000)),
            SignatureCheck::kBadTimestamp);
  EXPECT_EQ(sig.verify_v3("POST", uri, body, "", ts, at_ms(1700000000000)),
            SignatureCheck::kMissing);
  EXPECT_EQ(HubSpotSignature("other").verify_v3("POST", uri, body, good, ts, at_ms(1700000000000)),
            SignatureCheck::kMismatch);
}

TEST(HubSpotSignature, V3UriDecodingTouchesOnlyTheListedEscapes) {
  EXPECT_EQ(
      HubSpotSignature::decode_v3_uri("https://x.com/a%3Ab%2Fc%3fd%40e%21%24%27%28%29%2A%2C%3B"),
      "https://x.com/a:b/c?d@e!$'()*,;");
  EXPECT_EQ(HubSpotSignature::decode_v3_uri("https://x.com/a%20b%25c%2"),
            "https://x.com/a%20b%25c%2");
}

TEST(HubSpotSignature, ConstantTimeEqualComparesLengthAndContent) {
  EXPECT_TRUE(HubSpotSignature::constant_time_equal("abc", "abc"));
  EXPECT_FALSE(HubSpotSignature::constant_time_equal("abc", "abd"));
  EXPECT_FALSE(HubSpotSignature::constant_time_equal("abc", "abcd"));
  EXPECT_TRUE(HubSpotSignature::constant_time_equal("", ""));
}

}  // namespace
}  // namespace gauntlet::mocks
