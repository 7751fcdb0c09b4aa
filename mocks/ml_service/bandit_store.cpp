#include "bandit_store.hpp"

#include <algorithm>
#include <map>

#include "gauntlet/mocks/db_access.hpp"
#include "gauntlet/mocks/stand_in_compute.hpp"

namespace gauntlet::mocks {

BanditStore::BanditStore(ConnectionPool& pool, std::uint64_t seed, int samples)
    : pool_(pool), seed_(seed), samples_(samples) {
  BattleHardenedSampler check(seed_, samples_);  // validates samples now, not per request
}

bool BanditStore::apply_feedback(const FeedbackEvent& e) {
  const auto prediction = text_of(e.prediction_id);
  const auto ctr = text_of(e.observed_ctr);
  const auto roas = text_of(e.observed_roas);
  return in_http_transaction(pool_, [&](pqxx::work& tx) {
    const pqxx::result inserted = tx.exec_params(
        "INSERT INTO feedback_events (event_id, campaign_id, arm_id, prediction_id, reward, "
        "  observed_ctr, observed_roas) VALUES ($1, $2, $3, $4, $5, $6, $7) "
        "ON CONFLICT (event_id) DO NOTHING RETURNING event_id",
        e.event_id, e.campaign_id, e.arm_id, nullable(prediction), e.reward, nullable(ctr),
        nullable(roas));
    if (inserted.empty()) return false;
    tx.exec_params(
        "INSERT INTO sampler_arms (campaign_id, arm_id, alpha, beta) "
        "  VALUES ($1, $2, 1 + $3::float8, 2 - $3::float8) "
        "ON CONFLICT (campaign_id, arm_id) DO UPDATE SET alpha = sampler_arms.alpha + $3::float8, "
        "  beta = sampler_arms.beta + 1 - $3::float8, updated_at = now()",
        e.campaign_id, e.arm_id, e.reward);
    tx.exec_params("UPDATE feedback_events SET applied_at = now() WHERE event_id = $1", e.event_id);
    return true;
  });
}

nlohmann::json BanditStore::allocate(const AllocationRequest& request) {
  // Arms are created and locked in arm-id order, whatever the request's order, so that two
  // allocations of one campaign cannot deadlock.
  std::vector<std::string> sorted = request.arm_ids;
  std::sort(sorted.begin(), sorted.end());
  return in_http_transaction(pool_, [&](pqxx::work& tx) {
    for (const auto& arm : sorted) {
      tx.exec_params(
          "INSERT INTO sampler_arms (campaign_id, arm_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
          request.campaign_id, arm);
    }
    std::map<std::string, ArmPosterior> found;
    std::int64_t pulls = 0;
    // FOR UPDATE: concurrent allocations of one campaign take turns and see each other's pulls.
    for (const auto& r : tx.exec_params(
             "SELECT arm_id, alpha, beta, pulls FROM sampler_arms WHERE campaign_id = $1 "
             "ORDER BY arm_id FOR UPDATE",
             request.campaign_id)) {
      const auto id = r[0].as<std::string>();
      found[id] = {id, r[1].as<double>(), r[2].as<double>()};
      pulls += r[3].as<std::int64_t>();
    }
    std::vector<ArmPosterior> arms;
    for (const auto& arm : request.arm_ids) arms.push_back(found.at(arm));
    const std::uint64_t seed = StandInCompute::mix(
        seed_ ^ StandInCompute::mix(std::uint64_t(request.campaign_id)) ^ std::uint64_t(pulls));
    BattleHardenedSampler sampler(seed, samples_);
    const auto allocations = sampler.allocate(arms, request.budget_minor);
    nlohmann::json out = {{"campaign_id", request.campaign_id},
                          {"budget_minor", request.budget_minor},
                          {"allocations", nlohmann::json::array()}};
    for (std::size_t i = 0; i < allocations.size(); ++i) {
      const auto& a = allocations[i];
      if (a.amount_minor > 0) {
        tx.exec_params(
            "UPDATE sampler_arms SET pulls = pulls + 1, updated_at = now() "
            "WHERE campaign_id = $1 AND arm_id = $2",
            request.campaign_id, a.arm_id);
      }
      out["allocations"].push_back({{"arm_id", a.arm_id},
                                    {"amount_minor", a.amount_minor},
                                    {"win_probability", a.win_probability},
                                    {"alpha", arms[i].alpha},
                                    {"beta", arms[i].beta}});
    }
    return out;
  });
}

std::vector<ArmPosterior> BanditStore::arms(std::int64_t campaign_id) {
  return in_http_transaction(pool_, [&](pqxx::work& tx) {
    std::vector<ArmPosterior> out;
    for (const auto& r : tx.exec_params(
             "SELECT arm_id, alpha, beta FROM sampler_arms WHERE campaign_id = $1 ORDER BY arm_id",
             campaign_id)) {
      out.push_back({r[0].as<std::string>(), r[1].as<double>(), r[2].as<double>()});
    }
    return out;
  });
}

}  // namespace gauntlet::mocks
