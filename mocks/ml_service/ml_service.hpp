#pragma once
// ml-service: CTR/ROAS predictions, the BattleHardenedSampler's budget allocation and feedback,
// the self-learning cycle and the semantic cache, backed by PostgreSQL. Registers its routes on
// a Router so tests drive it without a socket; see docs/platform-api/ml-service.md.
#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "bandit_store.hpp"
#include "gauntlet/mocks/metrics_registry.hpp"
#include "gauntlet/mocks/router.hpp"
#include "gauntlet/mocks/stand_in_compute.hpp"
#include "gauntlet/pg/connection_pool.hpp"
#include "learning_cycle_runner.hpp"
#include "semantic_cache.hpp"

namespace gauntlet::mocks {

struct MlServiceOptions {
  double compute_scale = 1.0;  // --compute-scale: multiplies every simulated compute cost
  std::uint64_t seed = 1;      // --seed: the sampler's RNG
  int sampler_samples = BattleHardenedSampler::kDefaultSamples;
  double cache_max_distance = 0.3;              // default semantic-hit radius
  std::chrono::seconds cache_ttl{3600};         // default lifetime of a cache entry
  std::chrono::seconds stale_cycle_after{600};  // a 'running' cycle older than this is abandoned

  // Throws ConfigError listing every bad field.
  void validate() const;
};

class MlService {
 public:
  // `router`, `metrics` and `pool` must outlive the service.
  MlService(MlServiceOptions options, Router& router, MetricsRegistry& metrics,
            ConnectionPool& pool);

  // The "ml_service" section of /__admin/stats.
  nlohmann::json stats() const;

 private:
  Response predict(const Request& req);
  Response get_prediction(const Request& req);
  Response allocate(const Request& req);
  Response feedback(const Request& req);
  Response start_cycle(const Request& req);
  Response cache_lookup(const Request& req);
  // The model's features of a video, from drive-intel's video_scenes.
  std::map<std::string, double> video_features(std::int64_t video_id);

  MlServiceOptions options_;
  ConnectionPool& pool_;
  StandInCompute compute_;
  BanditStore bandit_;
  SemanticCache cache_;
  LearningCycleRunner cycles_;
  Counter& predictions_;
  Counter& feedback_applied_;
  Counter& feedback_duplicate_;
  Counter& allocations_;
};

}  // namespace gauntlet::mocks
