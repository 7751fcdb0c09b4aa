#pragma once
// The semantic cache in front of (simulated) generation, stored in semantic_cache_entries.
// A lookup tries, in order: the exact key (SHA-256 of the normalised prompt), then the nearest
// unexpired entry by embedding (GiST on cube, ORDER BY embedding <-> q LIMIT 1) within
// max_distance; on a miss it stores the caller's response, or a generated stand-in one.
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "gauntlet/mocks/metrics_registry.hpp"
#include "gauntlet/mocks/stand_in_compute.hpp"
#include "gauntlet/pg/connection_pool.hpp"

namespace gauntlet::mocks {

struct CacheLookup {
  std::string prompt;
  std::optional<nlohmann::json> response;  // stored on a miss; else a stand-in is generated
  double max_distance = 0.3;               // Euclidean, between unit vectors: 0..2
  std::chrono::seconds ttl{3600};
};

class SemanticCache {
 public:
  // Registers ml_service_cache_lookups_total{result="exact"|"semantic"|"miss"}. `pool`,
  // `metrics` and `compute` must outlive the cache.
  SemanticCache(ConnectionPool& pool, MetricsRegistry& metrics, const StandInCompute& compute);

  // {"hit":bool,"match":"exact"|"semantic"|"miss","key_hash":..,"response":..,"distance":..}
  // ("matched_key_hash" too on a semantic hit). Throws HttpError(503) on database trouble.
  nlohmann::json lookup(const CacheLookup& request);

 private:
  nlohmann::json generate(const std::string& normalised) const;

  ConnectionPool& pool_;
  const StandInCompute& compute_;
  Counter& exact_;
  Counter& semantic_;
  Counter& miss_;
};

}  // namespace gauntlet::mocks
