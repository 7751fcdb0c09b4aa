#pragma once
// Bearer-token authentication for the gateway. A token is valid when it is one of the static
// keys (--api-keys) or its SHA-256 is in api_keys (not revoked). The caller's identity is that
// hash: rate limits and ownership use it, the key itself is never stored or logged. Database
// answers are cached for `cache_ttl` (both ways), so a flood of requests costs one query per key.
#include <chrono>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gauntlet/mocks/headers.hpp"
#include "gauntlet/pg/connection_pool.hpp"

namespace gauntlet::mocks {

class ApiKeyAuth {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  // `pool` may be null (static keys only).
  ApiKeyAuth(const std::vector<std::string>& static_keys, ConnectionPool* pool,
             std::chrono::milliseconds cache_ttl = std::chrono::seconds(10));

  // The token from "Authorization: Bearer <token>", else from "X-API-Key", else nullopt.
  static std::optional<std::string> token_of(const Headers& headers);

  // The caller's identity (SHA-256 hex of the token) if the token is valid, else nullopt. A
  // database failure propagates (the gateway answers 503, not 401).
  std::optional<std::string> authenticate(const Headers& headers, time_point now);

 private:
  bool known_in_database(const std::string& hash);

  std::set<std::string> static_hashes_;
  ConnectionPool* pool_;
  const std::chrono::milliseconds cache_ttl_;
  std::mutex mutex_;
  struct Cached {
    bool valid;
    time_point expires;
  };
  std::unordered_map<std::string, Cached> cache_;
};

}  // namespace gauntlet::mocks
