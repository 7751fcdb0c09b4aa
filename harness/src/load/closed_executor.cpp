#include "gauntlet/load/closed_executor.hpp"

#include <algorithm>

#include "gauntlet/text/exact_format.hpp"

namespace gauntlet {
ClosedExecutor::ClosedExecutor(const ValidPlan& plan, Scenario scenario, Clock& clock,
                               StopSource& stop)
    : Executor(plan, std::move(scenario), clock, stop),
      model_(plan_.model_as<ClosedModel>("ClosedExecutor")) {}

ExecutionResult ClosedExecutor::execute() {
  const std::chrono::nanoseconds max_duration = plan_.max_duration();
  const auto nominal = model_.nominal_duration();
  cut_by_max_duration_ = !nominal || *nominal > max_duration;
  load_end_ = start_ + (nominal ? std::min(*nominal, max_duration) : max_duration);
  budget_.store(model_.iterations.value_or(0));

  for (std::int64_t vu = 0; vu < model_.max_vus(); ++vu) {
    spawn([this, vu](RecorderShard& shard) { vu_loop(shard, vu); });
  }
  for (;;) {
    const Clock::time_point now = clock_.now();
    sample_if_due(now);
    if (now >= load_end_) {
      reached_load_end_.store(true);
      break;
    }
    if (live_threads() == 0 || stopping()) break;  // every user is done, or stopped
    supervisor_sleep(now, load_end_);
  }
  load_ended_ = std::min(clock_.now(), load_end_);
  closing_.store(true);
  abandoned_ = wind_down(load_ended_ + plan_.graceful_stop());
  join_all();
  std::vector<std::string> reasons;
  if (cut_by_max_duration_ && reached_load_end_.load()) {
    reasons.push_back("max_duration " + format_duration(max_duration) +
                      " reached before the plan finished");
  }
  return make_result(std::move(reasons));
}

bool ClosedExecutor::take_from_budget() noexcept {
  if (!model_.iterations) return true;
  return budget_.fetch_sub(1) > 0;
}

bool ClosedExecutor::park(std::int64_t vu) {
  const auto offset = model_.next_time_above(vu, clock_.now() - start_);
  const Clock::time_point wake = offset ? std::min(start_ + *offset, load_end_) : load_end_;
  return pause_until(wake, [this] { return closing(); });
}

void ClosedExecutor::vu_loop(RecorderShard& shard, std::int64_t vu) {
  const bool staged = !model_.stages.empty();
  std::int64_t done = 0;
  bool active = false;
  const auto set_active = [&](bool on) {
    if (on != active) change_active(on ? 1 : -1);
    active = on;
  };
  while (!closing()) {
    const Clock::time_point now = clock_.now();
    if (now >= load_end_) {
      reached_load_end_.store(true);
      break;
    }
    if (staged && model_.target_vus_at(now - start_) <= vu) {
      set_active(false);
      if (!park(vu)) break;
      continue;
    }
    if (model_.iterations_per_vu && done >= *model_.iterations_per_vu) break;
    if (!take_from_budget()) break;
    set_active(true);
    run_iteration(shard, IterationInfo{vu, next_iteration_.fetch_add(1), done, now}, now);
    ++done;
    if (model_.think_time > std::chrono::nanoseconds::zero() &&
        !pause_until(clock_.now() + model_.think_time, [this] { return closing(); })) {
      break;
    }
  }
  set_active(false);
}

}  // namespace gauntlet
