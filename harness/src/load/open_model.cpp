#include "gauntlet/load/open_model.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "checks.hpp"
#include "gauntlet/load/limits.hpp"
#include "gauntlet/load/rate_curve.hpp"
#include "gauntlet/text/exact_format.hpp"

namespace gauntlet {

void OpenModel::validate(Problems& problems) const {
  profile.validate(problems);
  const bool pre_ok = detail::check_count(problems, "open.pre_allocated_vus", pre_allocated_vus, 1,
                                          kMaxVus, "kMaxVus");
  const bool max_ok = detail::check_count(problems, "open.max_vus", max_vus, 1, kMaxVus, "kMaxVus");
  if (pre_ok && max_ok && max_vus < pre_allocated_vus) {
    problems.add("open.max_vus must be >= open.pre_allocated_vus (" +
                 std::to_string(pre_allocated_vus) + "), got " + std::to_string(max_vus));
  }
  if (max_wait) {
    detail::check_duration(problems, "open.max_wait", *max_wait, detail::Lower::kNonNegative,
                           kMaxWait, "kMaxWait");
  }
}

nlohmann::json OpenModel::to_json() const {
  nlohmann::json out = {{"profile", profile.to_json()},
                        {"pre_allocated_vus", pre_allocated_vus},
                        {"max_vus", max_vus},
                        {"max_wait_s", nullptr}};
  if (max_wait) out["max_wait_s"] = std::chrono::duration<double>(*max_wait).count();
  Problems problems;
  profile.validate(problems);
  if (problems.empty()) {
    const RateCurve curve(profile);
    out["expected_arrivals"] = curve.total_arrivals();
    out["mean_rate_per_s"] = curve.mean_rate_per_s();
  }
  return out;
}

std::string OpenModel::describe() const {
  std::string out = profile.describe();
  Problems problems;
  profile.validate(problems);
  if (problems.empty()) {
    const RateCurve curve(profile);
    out += " (" + format_number(std::ceil(curve.total_arrivals())) + " arrivals)";
  }
  out += ", " + std::to_string(pre_allocated_vus) + ".." + std::to_string(max_vus) + " VUs";
  if (max_wait) out += ", max wait " + format_duration(*max_wait);
  return out;
}

}  // namespace gauntlet
