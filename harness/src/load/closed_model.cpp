#include "gauntlet/load/closed_model.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "checks.hpp"
#include "gauntlet/load/limits.hpp"
#include "gauntlet/text/exact_format.hpp"

namespace gauntlet {
namespace {

using detail::check_count;
using detail::check_duration;
using detail::Lower;
using std::chrono::nanoseconds;

// Floor division for a positive divisor (C++ division truncates towards zero).
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return -floor_div(-a, b); }

// Users at `elapsed` into a stage that moves from `from` to `to` over `length`.
std::int64_t stage_value(std::int64_t from, std::int64_t to, std::int64_t elapsed,
                         std::int64_t length) {
  return from + floor_div((to - from) * elapsed, length);
}

void validate_stages(const ClosedModel& m, Problems& p) {
  if (static_cast<std::int64_t>(m.stages.size()) > kMaxStages) {
    p.add("closed.stages must hold <= " + std::to_string(kMaxStages) +
          " stages (kMaxStages), got " + std::to_string(m.stages.size()));
    return;
  }
  bool ok = true;
  bool any_active = m.vus > 0;
  std::vector<nanoseconds> durations;
  for (std::size_t i = 0; i < m.stages.size(); ++i) {
    const Stage& s = m.stages[i];
    ok &= check_duration(p, detail::indexed("closed.stages", i, "duration"), s.duration,
                         Lower::kPositive, kMaxDuration, "kMaxDuration");
    ok &= check_count(p, detail::indexed("closed.stages", i, "target_vus"), s.target_vus, 0,
                      kMaxVus, "kMaxVus");
    any_active |= s.target_vus > 0;
    durations.push_back(s.duration);
  }
  if (!ok) return;
  detail::check_total_duration(p, "closed.stages", durations);
  if (!any_active) {
    p.add(
        "closed.stages must make at least 1 virtual user active, got closed.vus 0 and every "
        "target_vus 0");
  }
}

void validate_bounds(const ClosedModel& m, Problems& p) {
  if (m.iterations) {
    check_count(p, "closed.iterations", *m.iterations, 1, kMaxIterations, "kMaxIterations");
  }
  if (m.iterations_per_vu) {
    check_count(p, "closed.iterations_per_vu", *m.iterations_per_vu, 1, kMaxIterations,
                "kMaxIterations");
  }
  if (m.iterations && m.iterations_per_vu) {
    p.add("closed.iterations and closed.iterations_per_vu are mutually exclusive, got " +
          std::to_string(*m.iterations) + " and " + std::to_string(*m.iterations_per_vu));
  }
  if (m.duration) {
    check_duration(p, "closed.duration", *m.duration, Lower::kPositive, kMaxDuration,
                   "kMaxDuration");
  }
  if (m.duration && !m.stages.empty()) {
    p.add(
        "closed.duration and closed.stages are mutually exclusive (the stages set the "
        "duration), got " +
        format_duration(*m.duration) + " and " + std::to_string(m.stages.size()) + " stages");
  }
  if (!m.iterations && !m.iterations_per_vu && !m.duration && m.stages.empty()) {
    p.add(
        "closed model must be bounded by closed.iterations, closed.iterations_per_vu, "
        "closed.duration or closed.stages, got none of them");
  }
}

}  // namespace

void ClosedModel::validate(Problems& problems) const {
  check_count(problems, "closed.vus", vus, stages.empty() ? 1 : 0, kMaxVus, "kMaxVus");
  validate_bounds(*this, problems);
  if (!stages.empty()) validate_stages(*this, problems);
  check_duration(problems, "closed.think_time", think_time, Lower::kNonNegative, kMaxThinkTime,
                 "kMaxThinkTime");
}

std::int64_t ClosedModel::max_vus() const noexcept {
  std::int64_t most = vus;
  for (const Stage& s : stages) most = std::max(most, s.target_vus);
  return most;
}

std::optional<nanoseconds> ClosedModel::nominal_duration() const noexcept {
  if (duration) return duration;
  if (stages.empty()) return std::nullopt;
  nanoseconds total{};
  for (const Stage& s : stages) total += s.duration;
  return total;
}

std::int64_t ClosedModel::target_vus_at(nanoseconds t) const noexcept {
  std::int64_t from = vus;
  std::int64_t start = 0;
  for (const Stage& s : stages) {
    const std::int64_t length = s.duration.count();
    if (t.count() < start + length) {
      return stage_value(from, s.target_vus, std::max<std::int64_t>(0, t.count() - start), length);
    }
    from = s.target_vus;
    start += length;
  }
  return from;
}

std::optional<nanoseconds> ClosedModel::next_time_above(std::int64_t count,
                                                        nanoseconds from) const noexcept {
  std::int64_t value = vus;  // users at the start of the current stage
  std::int64_t start = 0;
  for (const Stage& s : stages) {
    const std::int64_t length = s.duration.count();
    const std::int64_t end = start + length;
    if (end > from.count()) {
      const std::int64_t t0 = std::max(from.count(), start);
      if (stage_value(value, s.target_vus, t0 - start, length) > count) return nanoseconds(t0);
      if (s.target_vus > value) {
        // Rising: value + floor((to - value) * e / length) >= count + 1.
        const std::int64_t e = ceil_div((count + 1 - value) * length, s.target_vus - value);
        if (start + e < end) return nanoseconds(std::max(start + e, t0));
      }
    }
    value = s.target_vus;
    start = end;
  }
  if (value > count) return nanoseconds(std::max(from.count(), start));
  return std::nullopt;
}

nlohmann::json ClosedModel::to_json() const {
  const auto seconds = [](nanoseconds d) { return std::chrono::duration<double>(d).count(); };
  nlohmann::json stage_list = nlohmann::json::array();
  for (const Stage& s : stages) {
    stage_list.push_back({{"duration_s", seconds(s.duration)}, {"target_vus", s.target_vus}});
  }
  nlohmann::json out = {{"vus", vus},
                        {"iterations", nullptr},
                        {"iterations_per_vu", nullptr},
                        {"duration_s", nullptr},
                        {"stages", stage_list},
                        {"think_time_s", seconds(think_time)}};
  if (iterations) out["iterations"] = *iterations;
  if (iterations_per_vu) out["iterations_per_vu"] = *iterations_per_vu;
  if (duration) out["duration_s"] = seconds(*duration);
  return out;
}

std::string ClosedModel::describe() const {
  std::string out;
  if (stages.empty()) {
    out = std::to_string(vus) + " VUs";
  } else {
    out = "VUs from " + std::to_string(vus);
    for (const Stage& s : stages) {
      out += ", to " + std::to_string(s.target_vus) + " over " + format_duration(s.duration);
    }
  }
  if (iterations) out += ", " + std::to_string(*iterations) + " iterations shared";
  if (iterations_per_vu) out += ", " + std::to_string(*iterations_per_vu) + " iterations per VU";
  if (duration) out += ", for " + format_duration(*duration);
  if (think_time > nanoseconds::zero()) out += ", think time " + format_duration(think_time);
  return out;
}

}  // namespace gauntlet
