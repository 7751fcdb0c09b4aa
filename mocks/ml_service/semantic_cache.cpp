#include "semantic_cache.hpp"

#include "gauntlet/mocks/cube_literal.hpp"
#include "gauntlet/mocks/db_access.hpp"
#include "gauntlet/mocks/sha256_hex.hpp"
#include "gauntlet/mocks/text_embedding.hpp"

namespace gauntlet::mocks {
namespace {

constexpr const char* kLookups = "ml_service_cache_lookups_total";
constexpr const char* kLookupsHelp = "Semantic cache lookups by result.";
constexpr std::uint64_t kGenerateRoundsPerChar = 2000;  // simulated generation cost

}  // namespace

SemanticCache::SemanticCache(ConnectionPool& pool, MetricsRegistry& metrics,
                             const StandInCompute& compute)
    : pool_(pool),
      compute_(compute),
      exact_(metrics.counter(kLookups, kLookupsHelp, {{"result", "exact"}})),
      semantic_(metrics.counter(kLookups, kLookupsHelp, {{"result", "semantic"}})),
      miss_(metrics.counter(kLookups, kLookupsHelp, {{"result", "miss"}})) {}

nlohmann::json SemanticCache::generate(const std::string& normalised) const {
  const std::uint64_t digest =
      compute_.burn(normalised, kGenerateRoundsPerChar * normalised.size());
  return {{"text", "Generated answer for: " + normalised},
          {"generator", "stand-in"},
          {"digest", std::to_string(digest)}};
}

nlohmann::json SemanticCache::lookup(const CacheLookup& request) {
  const std::string normalised = normalise_text(request.prompt);
  const std::string key = sha256_hex(normalised);
  const std::string cube = to_cube_literal(embed_text(normalised));
  nlohmann::json out = {{"key_hash", key}};
  const bool hit = in_http_transaction(pool_, [&](pqxx::work& tx) {
    const pqxx::result exact = tx.exec_params(
        "UPDATE semantic_cache_entries SET hits = hits + 1, last_hit_at = now() "
        "WHERE key_hash = $1 AND expires_at > now() RETURNING response::text",
        key);
    if (!exact.empty()) {
      out.update({{"hit", true},
                  {"match", "exact"},
                  {"distance", 0.0},
                  {"response", nlohmann::json::parse(exact[0][0].as<std::string>())}});
      return true;
    }
    const pqxx::result near = tx.exec_params(
        "SELECT key_hash, embedding <-> $1::cube FROM semantic_cache_entries "
        "WHERE embedding IS NOT NULL AND expires_at > now() "
        "ORDER BY embedding <-> $1::cube LIMIT 1",
        cube);
    if (near.empty() || near[0][1].as<double>() > request.max_distance) return false;
    const auto matched = near[0][0].as<std::string>();
    const pqxx::row r = tx.exec_params1(
        "UPDATE semantic_cache_entries SET hits = hits + 1, last_hit_at = now() "
        "WHERE key_hash = $1 RETURNING response::text",
        matched);
    out.update({{"hit", true},
                {"match", "semantic"},
                {"distance", near[0][1].as<double>()},
                {"matched_key_hash", matched},
                {"response", nlohmann::json::parse(r[0].as<std::string>())}});
    return true;
  });
  if (hit) {
    (out["match"] == "exact" ? exact_ : semantic_).inc();
    return out;
  }
  // Generation runs outside any transaction: no connection is held while computing.
  const nlohmann::json response = request.response ? *request.response : generate(normalised);
  in_http_transaction(pool_, [&](pqxx::work& tx) {
    tx.exec_params(
        "INSERT INTO semantic_cache_entries (key_hash, prompt, response, embedding, expires_at) "
        "VALUES ($1, $2, $3::jsonb, $4::cube, now() + make_interval(secs => $5::float8)) "
        "ON CONFLICT (key_hash) DO UPDATE SET prompt = EXCLUDED.prompt, "
        "  response = EXCLUDED.response, embedding = EXCLUDED.embedding, hits = 0, "
        "  created_at = now(), last_hit_at = NULL, expires_at = EXCLUDED.expires_at",
        key, request.prompt, response.dump(), cube, static_cast<double>(request.ttl.count()));
    return 0;
  });
  miss_.inc();
  out.update({{"hit", false}, {"match", "miss"}, {"distance", nullptr}, {"response", response}});
  return out;
}

}  // namespace gauntlet::mocks
