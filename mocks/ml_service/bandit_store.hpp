#pragma once
// The sampler's state in PostgreSQL: sampler_arms holds a Beta posterior per (campaign, arm);
// feedback_events holds each feedback event once, keyed by its id. Applying feedback inserts the
// event with ON CONFLICT DO NOTHING and, only when the insert happened, updates the arm in the
// same transaction: a redelivered or concurrently duplicated event changes nothing.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "battle_hardened_sampler.hpp"
#include "gauntlet/pg/connection_pool.hpp"

namespace gauntlet::mocks {

struct FeedbackEvent {
  std::string event_id;
  std::int64_t campaign_id = 0;
  std::string arm_id;
  double reward = 0.0;  // 0..1
  std::optional<std::int64_t> prediction_id;
  std::optional<double> observed_ctr;
  std::optional<double> observed_roas;
};

struct AllocationRequest {
  std::int64_t campaign_id = 0;
  std::int64_t budget_minor = 0;
  std::vector<std::string> arm_ids;  // distinct
};

class BanditStore {
 public:
  // `pool` must outlive the store. `seed` (--seed) and `samples` configure the sampler.
  BanditStore(ConnectionPool& pool, std::uint64_t seed, int samples);

  // true when this call applied the event, false when its id was already recorded. Throws
  // HttpError(422) for an unknown campaign or prediction, 503 on database trouble.
  bool apply_feedback(const FeedbackEvent& event);

  // Creates missing arms at Beta(1, 1), reads the posteriors, samples and splits the budget,
  // and counts a pull on every arm that received budget. The RNG seed is derived from --seed,
  // the campaign and its total pulls, so the same state gives the same allocation.
  nlohmann::json allocate(const AllocationRequest& request);

  // Posteriors of a campaign's arms (for tests and /__admin/stats), ordered by arm id.
  std::vector<ArmPosterior> arms(std::int64_t campaign_id);

 private:
  ConnectionPool& pool_;
  std::uint64_t seed_;
  int samples_;
};

}  // namespace gauntlet::mocks
