#pragma once
// The resource monitor's safety limits (the platform team's five, plus file descriptors): a run
// that crosses one is stopped through its StopSource and reported incomplete. Each limit is
// optional; an unset one is not checked. Pure data with validate(), checked before any load.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gauntlet {

struct SafetyLimits {
  std::optional<double> max_memory_mb{};                         // RSS of any monitored process
  std::optional<double> max_cpu_percent{};                       // of one core, any process
  std::optional<std::chrono::nanoseconds> max_execution_time{};  // since the monitor started
  std::optional<std::int64_t> max_concurrent_operations{};  // MonitorOptions::operations_in_flight
  std::optional<double> memory_growth_rate_mb_per_sec{};    // RSS slope over the last samples
  std::optional<std::int64_t> max_fds{};                    // open descriptors, any process

  // Every problem, each naming the field, the value and the limit ("max_memory_mb must be > 0,
  // but is -5"); empty when valid.
  std::vector<std::string> validate() const;
  // "max_memory_mb=1024, max_cpu_percent=90, ..." (only the limits that are set), or "none".
  std::string describe() const;
};

}  // namespace gauntlet
