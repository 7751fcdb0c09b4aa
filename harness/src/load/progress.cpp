#include "gauntlet/load/progress.hpp"

#include <cstdio>
#include <string_view>

#include "gauntlet/text/measured_format.hpp"

namespace gauntlet {

ProgressSnapshot progress_snapshot(std::span<const SeriesPoint> live,
                                   std::chrono::nanoseconds elapsed,
                                   std::chrono::nanoseconds planned, std::int64_t active_users) {
  ProgressSnapshot s;
  s.elapsed = elapsed;
  s.planned = planned;
  s.active_users = active_users;
  for (const SeriesPoint& p : live) {
    s.iterations += p.completed;
    s.errors += p.failed;
    s.dropped += p.dropped;
  }
  if (!live.empty()) {
    const SeriesPoint& last = live.back();
    s.rate_per_s = static_cast<double>(last.completed);
    if (last.completed > 0) s.p95_us_last = last.p95_us;
  }
  return s;
}

std::string progress_line(const ProgressSnapshot& s) {
  const auto whole_s = [](std::chrono::nanoseconds d) {
    return static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(d).count());
  };
  char head[48];
  if (s.planned.count() > 0) {
    std::snprintf(head, sizeof head, "[%3llds/%llds]", whole_s(s.elapsed), whole_s(s.planned));
  } else {
    std::snprintf(head, sizeof head, "[%3llds]", whole_s(s.elapsed));
  }
  return std::string(head) + " users " + std::to_string(s.active_users) + "  iterations " +
         std::to_string(s.iterations) + "  rate " + format_rate_per_s(s.rate_per_s) + "  p95 " +
         (s.p95_us_last ? format_duration_us(static_cast<double>(*s.p95_us_last)) : "-") +
         "  errors " + std::to_string(s.errors) + "  dropped " + std::to_string(s.dropped);
}

bool progress_wanted(const char* env, bool stderr_is_terminal) noexcept {
  const std::string_view v = env == nullptr ? "" : env;
  if (v == "0") return false;
  if (v == "1") return true;
  return stderr_is_terminal;
}

}  // namespace gauntlet
