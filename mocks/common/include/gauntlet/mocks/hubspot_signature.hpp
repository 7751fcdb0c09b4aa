#pragma once
// HubSpot request signatures, as documented in "Validating requests from HubSpot":
//   v1: hex(SHA-256(secret + body))
//   v2: hex(SHA-256(secret + method + uri + body))
//   v3: base64(HMAC-SHA256(key = secret, method + uri + body + timestamp)), sent in
//       X-HubSpot-Signature-v3 with the epoch-millisecond X-HubSpot-Request-Timestamp; a receiver
//       rejects timestamps more than 5 minutes old and compares in constant time.
// The hubspot mock signs with it; the gateway verifies with it.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace gauntlet::mocks {

enum class SignatureCheck { kValid, kMissing, kBadTimestamp, kExpired, kMismatch };

// "valid", "missing", "bad_timestamp", "expired", "mismatch".
std::string_view to_string(SignatureCheck check) noexcept;

class HubSpotSignature {
 public:
  static constexpr std::chrono::minutes kDefaultMaxAge{5};

  explicit HubSpotSignature(std::string client_secret);

  std::string sign_v1(std::string_view body) const;
  std::string sign_v2(std::string_view method, std::string_view uri, std::string_view body) const;
  // `uri` is the full URL the request was sent to (scheme, host, path, query), as decoded by
  // decode_v3_uri(); `timestamp_ms` is the header text, signed verbatim.
  std::string sign_v3(std::string_view method, std::string_view uri, std::string_view body,
                      std::string_view timestamp_ms) const;

  // Checks a v3 signature: kMissing if signature or timestamp is empty, kBadTimestamp if the
  // timestamp is not a decimal integer, kExpired if it is more than `max_age` away from `now`
  // (either direction: a far-future timestamp is as suspicious as an old one), kMismatch if the
  // signature differs (compared with CRYPTO_memcmp), kValid otherwise.
  SignatureCheck verify_v3(std::string_view method, std::string_view uri, std::string_view body,
                           std::string_view signature, std::string_view timestamp_ms,
                           std::chrono::system_clock::time_point now,
                           std::chrono::milliseconds max_age = kDefaultMaxAge) const;
  bool verify_v1(std::string_view body, std::string_view signature) const;
  bool verify_v2(std::string_view method, std::string_view uri, std::string_view body,
                 std::string_view signature) const;

  // HubSpot decodes these percent-escapes in the URI before signing v3:
  // %3A : %2F / %3F ? %40 @ %21 ! %24 $ %27 ' %28 ( %29 ) %2A * %2C , %3B ; (either hex case).
  // Every other escape is left as it is.
  static std::string decode_v3_uri(std::string_view uri);
  // Length-checked constant-time comparison (CRYPTO_memcmp).
  static bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

 private:
  std::string secret_;
};

}  // namespace gauntlet::mocks
