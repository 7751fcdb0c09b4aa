#include "gauntlet/mocks/hubspot_signature.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <array>
#include <charconv>
#include <stdexcept>
#include <utility>

#include "gauntlet/mocks/sha256_hex.hpp"

namespace gauntlet::mocks {
namespace {

using Digest = std::array<unsigned char, SHA256_DIGEST_LENGTH>;

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string base64(const unsigned char* data, std::size_t size) {
  // EVP_EncodeBlock writes 4 output bytes per 3 input bytes plus a terminating NUL.
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool decoded_by_v3(char c) {
  constexpr std::string_view kChars = ":/?@!$'()*,;";
  return kChars.find(c) != std::string_view::npos;
}

}  // namespace

std::string_view to_string(SignatureCheck check) noexcept {
  switch (check) {
    case SignatureCheck::kValid:
      return "valid";
    case SignatureCheck::kMissing:
      return "missing";
    case SignatureCheck::kBadTimestamp:
      return "bad_timestamp";
    case SignatureCheck::kExpired:
      return "expired";
    case SignatureCheck::kMismatch:
      return "mismatch";
  }
  return "unknown";
}

HubSpotSignature::HubSpotSignature(std::string client_secret) : secret_(std::move(client_secret)) {}

std::string HubSpotSignature::sign_v1(std::string_view body) const {
  return sha256_hex(secret_ + std::string(body));
}

std::string HubSpotSignature::sign_v2(std::string_view method, std::string_view uri,
                                      std::string_view body) const {
  std::string source = secret_;
  source.append(method).append(uri).append(body);
  return sha256_hex(source);
}

std::string HubSpotSignature::sign_v3(std::string_view method, std::string_view uri,
                                      std::string_view body, std::string_view timestamp_ms) const {
  std::string source;
  source.reserve(method.size() + uri.size() + body.size() + timestamp_ms.size());
  source.append(method).append(uri).append(body).append(timestamp_ms);
  Digest mac{};
  unsigned int mac_size = 0;
  if (HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()), bytes(source),
           source.size(), mac.data(), &mac_size) == nullptr) {
    throw std::runtime_error("HMAC-SHA256 failed inside OpenSSL while signing a v3 request");
  }
  return base64(mac.data(), mac_size);
}

SignatureCheck HubSpotSignature::verify_v3(std::string_view method, std::string_view uri,
                                           std::string_view body, std::string_view signature,
                                           std::string_view timestamp_ms,
                                           std::chrono::system_clock::time_point now,
                                           std::chrono::milliseconds max_age) const {
  if (signature.empty() || timestamp_ms.empty()) return SignatureCheck::kMissing;
  std::int64_t ts = 0;
  const auto* end = timestamp_ms.data() + timestamp_ms.size();
  const auto [ptr, ec] = std::from_chars(timestamp_ms.data(), end, ts);
  if (ec != std::errc() || ptr != end) return SignatureCheck::kBadTimestamp;
  const auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::int64_t age = now_ms - ts;
  if (age > max_age.count() || -age > max_age.count()) return SignatureCheck::kExpired;
  const std::string expected = sign_v3(method, uri, body, timestamp_ms);
  return constant_time_equal(expected, signature) ? SignatureCheck::kValid
                                                  : SignatureCheck::kMismatch;
}

bool HubSpotSignature::verify_v1(std::string_view body, std::string_view signature) const {
  return constant_time_equal(sign_v1(body), signature);
}

bool HubSpotSignature::verify_v2(std::string_view method, std::string_view uri,
                                 std::string_view body, std::string_view signature) const {
  return constant_time_equal(sign_v2(method, uri, body), signature);
}

std::string HubSpotSignature::decode_v3_uri(std::string_view uri) {
  std::string out;
  out.reserve(uri.size());
  for (std::size_t i = 0; i < uri.size(); ++i) {
    if (uri[i] == '%' && i + 2 < uri.size()) {
      const int hi = hex_value(uri[i + 1]);
      const int lo = hex_value(uri[i + 2]);
      if (hi >= 0 && lo >= 0) {
        const char c = static_cast<char>(hi * 16 + lo);
        if (decoded_by_v3(c)) {
          out += c;
          i += 2;
          continue;
        }
      }
    }
    out += uri[i];
  }
  return out;
}

bool HubSpotSignature::constant_time_equal(std::string_view a, std::string_view b) noexcept {
  // The length of a signature is public; only its content must not leak through timing.
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace gauntlet::mocks
