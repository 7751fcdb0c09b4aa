#include "checks.hpp"

#include <cmath>
#include <string>

#include "gauntlet/load/limits.hpp"
#include "gauntlet/text/exact_format.hpp"

namespace gauntlet::detail {

bool check_rate(Problems& problems, std::string_view field, double value, Lower lower) {
  const std::string name(field);
  if (!std::isfinite(value)) {
    problems.add(name + " must be a finite number, got " + format_number(value));
    return false;
  }
  if (lower == Lower::kPositive && value <= 0) {
    problems.add(name + " must be > 0, got " + format_number(value));
    return false;
  }
  if (lower == Lower::kNonNegative && value < 0) {
    problems.add(name + " must be >= 0, got " + format_number(value));
    return false;
  }
  if (value > kMaxRatePerS) {
    problems.add(name + " must be <= " + format_number(kMaxRatePerS) + " (kMaxRatePerS), got " +
                 format_number(value));
    return false;
  }
  return true;
}

bool check_duration(Problems& problems, std::string_view field, std::chrono::nanoseconds value,
                    Lower lower, std::chrono::nanoseconds max, std::string_view max_name) {
  const std::string name(field);
  if (lower == Lower::kPositive && value <= std::chrono::nanoseconds::zero()) {
    problems.add(name + " must be > 0s, got " + format_duration(value));
    return false;
  }
  if (lower == Lower::kNonNegative && value < std::chrono::nanoseconds::zero()) {
    problems.add(name + " must be >= 0s, got " + format_duration(value));
    return false;
  }
  if (value > max) {
    problems.add(name + " must be <= " + format_duration(max) + " (" + std::string(max_name) +
                 "), got " + format_duration(value));
    return false;
  }
  return true;
}

bool check_count(Problems& problems, std::string_view field, std::int64_t value, std::int64_t min,
                 std::int64_t max, std::string_view max_name) {
  const std::string name(field);
  if (value < min) {
    problems.add(name + " must be >= " + std::to_string(min) + ", got " + std::to_string(value));
    return false;
  }
  if (value > max) {
    problems.add(name + " must be <= " + std::to_string(max) + " (" + std::string(max_name) +
                 "), got " + std::to_string(value));
    return false;
  }
  return true;
}

bool check_total_duration(Problems& problems, std::string_view field,
                          const std::vector<std::chrono::nanoseconds>& parts) {
  std::int64_t total = 0;
  bool overflow = false;
  for (const std::chrono::nanoseconds part : parts) {
    overflow = overflow || __builtin_add_overflow(total, part.count(), &total);
  }
  if (!overflow && total <= kMaxDuration.count()) return true;
  problems.add(std::string(field) + " must last <= " + format_duration(kMaxDuration) +
               " (kMaxDuration) in total, got " +
               (overflow ? std::string("a total too large to represent")
                         : format_duration(std::chrono::nanoseconds(total))));
  return false;
}

std::string indexed(std::string_view field, std::size_t index, std::string_view member) {
  std::string out = std::string(field) + "[" + std::to_string(index) + "]";
  if (!member.empty()) out += "." + std::string(member);
  return out;
}

}  // namespace gauntlet::detail
