#include "gauntlet/monitor/safety_limits.hpp"

#include <cmath>

#include "gauntlet/text/exact_format.hpp"

namespace gauntlet {
namespace {

template <class T>
void check_positive(std::vector<std::string>& problems, const char* field,
                    const std::optional<T>& value) {
  if (!value) return;
  const double v = static_cast<double>(*value);
  if (!std::isfinite(v) || v <= 0) {
    problems.push_back(std::string("safety limit ") + field + " must be > 0, but is " +
                       format_number(v));
  }
}

}  // namespace

std::vector<std::string> SafetyLimits::validate() const {
  std::vector<std::string> problems;
  check_positive(problems, "max_memory_mb", max_memory_mb);
  check_positive(problems, "max_cpu_percent", max_cpu_percent);
  if (max_execution_time && max_execution_time->count() <= 0) {
    problems.push_back("safety limit max_execution_time_seconds must be > 0, but is " +
                       format_duration(*max_execution_time));
  }
  check_positive(problems, "max_concurrent_operations", max_concurrent_operations);
  check_positive(problems, "memory_growth_rate_mb_per_sec", memory_growth_rate_mb_per_sec);
  check_positive(problems, "max_fds", max_fds);
  return problems;
}

std::string SafetyLimits::describe() const {
  std::string out;
  const auto add = [&](const char* name, const std::string& value) {
    out += (out.empty() ? "" : ", ") + std::string(name) + "=" + value;
  };
  if (max_memory_mb) add("max_memory_mb", format_number(*max_memory_mb));
  if (max_cpu_percent) add("max_cpu_percent", format_number(*max_cpu_percent));
  if (max_execution_time) add("max_execution_time", format_duration(*max_execution_time));
  if (max_concurrent_operations) {
    add("max_concurrent_operations", std::to_string(*max_concurrent_operations));
  }
  if (memory_growth_rate_mb_per_sec) {
    add("memory_growth_rate_mb_per_sec", format_number(*memory_growth_rate_mb_per_sec));
  }
  if (max_fds) add("max_fds", std::to_string(*max_fds));
  return out.empty() ? "none" : out;
}

}  // namespace gauntlet
