#include "gauntlet/metrics/run_result.hpp"

#include <utility>

#include "gauntlet/metrics/threshold.hpp"

namespace gauntlet {

RunResult assemble_result(FinishedRun run, std::span<const Threshold> thresholds) {
  RunResult r;
  r.name = std::move(run.name);
  r.scale = std::move(run.scale);
  r.plan = std::move(run.plan);
  r.started_at = run.started_at;
  r.ended_at = run.ended_at;
  r.duration_s = std::chrono::duration<double>(run.load_duration).count();
  r.metrics = std::move(run.metrics);
  r.incomplete = run.incomplete;
  r.stop_reason = std::move(run.stop_reason);
  if (r.incomplete && r.stop_reason.empty()) r.stop_reason = "stopped";
  r.requested_rate_per_s = run.requested_rate_per_s;
  r.achieved_rate_per_s = run.achieved_rate_per_s;
  r.extra = std::move(run.extra);
  r.monitor = std::move(run.monitor);
  r.timeline = std::move(run.timeline);
  r.breaking_point = std::move(run.breaking_point);
  for (const Threshold& t : thresholds) {
    r.thresholds.push_back(evaluate(t, r.metrics, r.duration_s));
  }
  return r;
}

}  // namespace gauntlet
