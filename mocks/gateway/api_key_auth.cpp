#include "api_key_auth.hpp"

#include <pqxx/pqxx>

#include "gauntlet/mocks/db.hpp"
#include "gauntlet/mocks/sha256_hex.hpp"

namespace gauntlet::mocks {

ApiKeyAuth::ApiKeyAuth(const std::vector<std::string>& static_keys, ConnectionPool* pool,
                       std::chrono::milliseconds cache_ttl)
    : pool_(pool), cache_ttl_(cache_ttl) {
  for (const auto& k : static_keys) {
    if (!k.empty()) static_hashes_.insert(sha256_hex(k));
  }
}

std::optional<std::string> ApiKeyAuth::token_of(const Headers& headers) {
  if (const auto auth = headers.find("Authorization")) {
    constexpr std::string_view kBearer = "Bearer ";
    if (auth->size() > kBearer.size() &&
        Headers::iequals(auth->substr(0, kBearer.size()), kBearer)) {
      return std::string(auth->substr(kBearer.size()));
    }
    return std::nullopt;  // another scheme: not ours
  }
  if (const auto key = headers.find("X-API-Key"); key && !key->empty()) return std::string(*key);
  return std::nullopt;
}

std::optional<std::string> ApiKeyAuth::authenticate(const Headers& headers, time_point now) {
  const auto token = token_of(headers);
  if (!token) return std::nullopt;
  std::string hash = sha256_hex(*token);
  if (static_hashes_.contains(hash)) return hash;
  if (!pool_) return std::nullopt;
  {
    std::lock_guard lock(mutex_);
    const auto it = cache_.find(hash);
    if (it != cache_.end() && it->second.expires > now) {
      return it->second.valid ? std::optional<std::string>(hash) : std::nullopt;
    }
  }
  const bool valid = known_in_database(hash);
  std::lock_guard lock(mutex_);
  if (cache_.size() > 100'000) cache_.clear();  // bounded; a cleared cache only costs queries
  cache_[hash] = Cached{valid, now + cache_ttl_};
  return valid ? std::optional<std::string>(hash) : std::nullopt;
}

bool ApiKeyAuth::known_in_database(const std::string& hash) {
  return in_transaction<pqxx::read_transaction>(*pool_, [&](pqxx::read_transaction& tx) {
    return !tx.exec_params("SELECT 1 FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL",
                           hash)
                .empty();
  });
}

}  // namespace gauntlet::mocks
