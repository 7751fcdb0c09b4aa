#pragma once
// The open load model: iterations start on the arrival schedule of a rate profile, whatever the
// system under test does, run by a bounded pool of virtual users (k6 preAllocatedVUs / maxVUs).
// An arrival that finds no free user waits (the wait counts in its latency) up to max_wait, then
// is counted as dropped. Pure data; the open executor runs it. Validation messages name fields
// "open.<field>" and the profile's "<kind>.<field>".
#include <chrono>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "gauntlet/config_error.hpp"
#include "gauntlet/load/rate_profile.hpp"

namespace gauntlet {

struct OpenModel {
  RateProfile profile{};
  // Users started before the first arrival; the pool grows on demand up to max_vus.
  std::int64_t pre_allocated_vus = 0;
  std::int64_t max_vus = 0;
  // How long an arrival may wait for a free user before it is dropped; 0 drops at once (k6).
  // nullopt until Plan::with_defaults() fills kDefaultMaxWait.
  std::optional<std::chrono::nanoseconds> max_wait{};

  // Adds one problem per invalid field or combination (the profile's too); never throws.
  void validate(Problems& problems) const;
  nlohmann::json to_json() const;
  // "constant 100/s for 10s (1000 arrivals), 10..100 VUs, max wait 1s".
  std::string describe() const;
};

}  // namespace gauntlet
