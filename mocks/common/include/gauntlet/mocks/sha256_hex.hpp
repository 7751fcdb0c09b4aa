#pragma once
// SHA-256 as lower-case hex: API key identities (gateway), HubSpot v1/v2 signatures, cache keys
// and content hashes (ml-service, titan-core).
#include <string>
#include <string_view>

namespace gauntlet::mocks {

// Lower-case hex SHA-256 of `data` (64 characters). Throws std::runtime_error if OpenSSL fails.
std::string sha256_hex(std::string_view data);

}  // namespace gauntlet::mocks
