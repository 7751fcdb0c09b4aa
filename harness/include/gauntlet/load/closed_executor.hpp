#pragma once
// Runs a ClosedModel: one thread per virtual user, each running the scenario back to back with
// the think time between iterations. Stages move the number of active users; a user above the
// current target finishes its iteration and parks until the target reaches it again. An
// iteration budget (iterations) is shared atomically; iterations_per_vu is counted per user.
// Iteration latency is measured from the iteration's actual start (a closed model has no
// intended start).
#include <atomic>
#include <cstdint>

#include "gauntlet/load/executor.hpp"

namespace gauntlet {

class ClosedExecutor final : public Executor {
 public:
  // Throws ConfigError unless the plan holds a ClosedModel.
  ClosedExecutor(const ValidPlan& plan, Scenario scenario, Clock& clock, StopSource& stop);

 protected:
  ExecutionResult execute() override;

 private:
  void vu_loop(RecorderShard& shard, std::int64_t vu);
  // Parks user `vu` until the stage target includes it or the load ends; false when closing.
  bool park(std::int64_t vu);
  // Takes one iteration from the shared budget, if there is one.
  bool take_from_budget() noexcept;
  bool closing() const noexcept { return closing_.load() || stopping(); }

  const ClosedModel& model_;
  Clock::time_point load_end_{};
  bool cut_by_max_duration_ = false;  // max_duration ends the load before the model does
  std::atomic<bool> closing_{false};
  std::atomic<bool> reached_load_end_{false};  // the load phase ran until load_end_
  std::atomic<std::int64_t> budget_{0};
  std::atomic<std::int64_t> next_iteration_{0};
};

}  // namespace gauntlet
