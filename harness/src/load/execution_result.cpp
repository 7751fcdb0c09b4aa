#include "gauntlet/load/execution_result.hpp"

#include <nlohmann/json.hpp>

#include "gauntlet/metrics/run_result.hpp"
#include "gauntlet/text/exact_format.hpp"
#include "gauntlet/text/utc_time.hpp"

namespace gauntlet {
namespace {

double seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

nlohmann::json ExecutionResult::to_json() const {
  return {{"plan", plan_name},
          {"model", model},
          {"started_at", format_utc(started_wall)},
          {"ended_at", format_utc(ended_wall)},
          {"load_duration_s", seconds(load_duration())},
          {"duration_s", seconds(duration())},
          {"incomplete", incomplete},
          {"stop_reason", stop_reason},
          {"requested_rate_per_s", requested_rate_per_s},
          {"achieved_rate_per_s", achieved_rate_per_s},
          {"arrivals", arrivals},
          {"iterations_started", iterations_started},
          {"iterations_completed", iterations_completed},
          {"iterations_failed", iterations_failed},
          {"dropped", dropped},
          {"cancelled", cancelled},
          {"abandoned", abandoned},
          {"max_active_vus", max_active_vus},
          {"vus_allocated", vus_allocated}};
}

std::string ExecutionResult::describe() const {
  std::string out = model + " run " + plan_name + ": ";
  if (model == "open") out += std::to_string(arrivals) + " arrivals, ";
  out += std::to_string(iterations_started) + " started, " + std::to_string(iterations_completed) +
         " completed (" + std::to_string(iterations_failed) + " failed)";
  if (model == "open") {
    out += ", " + std::to_string(dropped) + " dropped";
    if (dropped > 0) out += " (no free VU within the wait bound: raise max_vus or lower the rate)";
    out += ", " + std::to_string(cancelled) + " cancelled; requested " +
           format_number(requested_rate_per_s) + "/s";
  }
  out += ", achieved " + format_number(achieved_rate_per_s) + "/s over " +
         format_duration(load_duration()) + "; ";
  out += incomplete ? "incomplete: " + stop_reason : "complete";
  return out;
}

}  // namespace gauntlet
