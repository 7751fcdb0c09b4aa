#pragma once
#include <string>
#include <string_view>

namespace gauntlet::mocks {

// Lower-case hex SHA-256 of `data` (64 characters): cache keys and input hashes.
std::string sha256_hex(std::string_view data);

}  // namespace gauntlet::mocks
