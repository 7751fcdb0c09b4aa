#include "gauntlet/load/rate_profile.hpp"

#include <array>
#include <nlohmann/json.hpp>

#include "checks.hpp"
#include "gauntlet/load/limits.hpp"
#include "gauntlet/text/exact_format.hpp"

namespace gauntlet {
namespace {

using detail::check_duration;
using detail::check_rate;
using detail::Lower;
using std::chrono::nanoseconds;

constexpr nanoseconds kSaturated = kMaxDuration + nanoseconds(1);

// Sums durations, stopping just above kMaxDuration so that absurd inputs cannot overflow.
nanoseconds saturating_sum(std::initializer_list<nanoseconds> parts) {
  nanoseconds total{};
  for (const nanoseconds part : parts) {
    if (part > kMaxDuration || total + part > kMaxDuration) return kSaturated;
    total += part;
  }
  return total;
}

double seconds(nanoseconds d) { return std::chrono::duration<double>(d).count(); }
std::string per_s(double rate) { return format_number(rate) + "/s"; }

// pieces = ceil(duration / part) * per_part must stay within kMaxProfileSegments.
void check_segments(Problems& problems, std::string_view kind, std::string_view part_name,
                    nanoseconds part, nanoseconds duration, std::int64_t per_part) {
  const std::int64_t parts = (duration.count() + part.count() - 1) / part.count();
  const std::int64_t pieces = parts * per_part;
  if (pieces <= kMaxProfileSegments) return;
  const std::string k(kind);
  problems.add(k + "." + std::string(part_name) + " " + format_duration(part) + " over " + k +
               ".duration " + format_duration(duration) + " makes " + std::to_string(pieces) +
               " segments, more than " + std::to_string(kMaxProfileSegments) +
               " (kMaxProfileSegments)");
}

void validate_shape(const ConstantRate& s, Problems& p) {
  check_rate(p, "constant.rate_per_s", s.rate_per_s, Lower::kPositive);
  check_duration(p, "constant.duration", s.duration, Lower::kPositive, kMaxDuration,
                 "kMaxDuration");
}

void validate_shape(const RampRate& s, Problems& p) {
  const bool from_ok = check_rate(p, "ramp.from_per_s", s.from_per_s, Lower::kNonNegative);
  const bool to_ok = check_rate(p, "ramp.to_per_s", s.to_per_s, Lower::kNonNegative);
  if (from_ok && to_ok && s.from_per_s == 0 && s.to_per_s == 0) {
    p.add("ramp.from_per_s and ramp.to_per_s must not both be 0, got 0 and 0");
  }
  check_duration(p, "ramp.duration", s.duration, Lower::kPositive, kMaxDuration, "kMaxDuration");
}

void validate_shape(const StepsRate& s, Problems& p) {
  if (s.steps.empty()) {
    p.add("steps must hold at least 1 step, got 0");
    return;
  }
  if (static_cast<std::int64_t>(s.steps.size()) > kMaxProfileSegments) {
    p.add("steps must hold <= " + std::to_string(kMaxProfileSegments) +
          " steps (kMaxProfileSegments), got " + std::to_string(s.steps.size()));
    return;
  }
  bool all_ok = true;
  bool any_positive = false;
  std::vector<nanoseconds> durations;
  for (std::size_t i = 0; i < s.steps.size(); ++i) {
    const RateStep& step = s.steps[i];
    all_ok &= check_rate(p, detail::indexed("steps", i, "rate_per_s"), step.rate_per_s,
                         Lower::kNonNegative);
    all_ok &= check_duration(p, detail::indexed("steps", i, "duration"), step.duration,
                             Lower::kPositive, kMaxDuration, "kMaxDuration");
    any_positive |= step.rate_per_s > 0;
    durations.push_back(step.duration);
  }
  if (!all_ok) return;
  if (!any_positive) p.add("steps must have a rate_per_s > 0 in at least 1 step, got none");
  detail::check_total_duration(p, "steps", durations);
}

void validate_shape(const BurstRate& s, Problems& p) {
  const bool base_ok = check_rate(p, "burst.base_per_s", s.base_per_s, Lower::kNonNegative);
  const bool burst_ok = check_rate(p, "burst.burst_per_s", s.burst_per_s, Lower::kPositive);
  if (base_ok && burst_ok && s.burst_per_s < s.base_per_s) {
    p.add("burst.burst_per_s must be >= burst.base_per_s (" + format_number(s.base_per_s) +
          "), got " + format_number(s.burst_per_s));
  }
  const bool length_ok = check_duration(p, "burst.burst_length", s.burst_length, Lower::kPositive,
                                        kMaxDuration, "kMaxDuration");
  const bool period_ok =
      check_duration(p, "burst.period", s.period, Lower::kPositive, kMaxDuration, "kMaxDuration");
  const bool duration_ok = check_duration(p, "burst.duration", s.duration, Lower::kPositive,
                                          kMaxDuration, "kMaxDuration");
  if (length_ok && period_ok && s.burst_length > s.period) {
    p.add("burst.burst_length must be <= burst.period (" + format_duration(s.period) + "), got " +
          format_duration(s.burst_length));
  }
  if (period_ok && duration_ok) check_segments(p, "burst", "period", s.period, s.duration, 2);
}

void validate_shape(const WaveRate& s, Problems& p) {
  const bool mean_ok = check_rate(p, "wave.mean_per_s", s.mean_per_s, Lower::kPositive);
  const bool amp_ok = check_rate(p, "wave.amplitude_per_s", s.amplitude_per_s, Lower::kNonNegative);
  if (mean_ok && amp_ok && s.amplitude_per_s > s.mean_per_s) {
    p.add("wave.amplitude_per_s must be <= wave.mean_per_s (" + format_number(s.mean_per_s) +
          ") so that the rate never goes negative, got " + format_number(s.amplitude_per_s));
  }
  if (mean_ok && amp_ok && s.mean_per_s + s.amplitude_per_s > kMaxRatePerS) {
    p.add("wave.mean_per_s + wave.amplitude_per_s must be <= " + format_number(kMaxRatePerS) +
          " (kMaxRatePerS), got " + format_number(s.mean_per_s + s.amplitude_per_s));
  }
  check_duration(p, "wave.period", s.period, Lower::kPositive, kMaxDuration, "kMaxDuration");
  check_duration(p, "wave.duration", s.duration, Lower::kPositive, kMaxDuration, "kMaxDuration");
}

void validate_shape(const SpikeRate& s, Problems& p) {
  const bool base_ok = check_rate(p, "spike.baseline_per_s", s.baseline_per_s, Lower::kNonNegative);
  const bool peak_ok = check_rate(p, "spike.peak_per_s", s.peak_per_s, Lower::kPositive);
  if (base_ok && peak_ok && s.peak_per_s < s.baseline_per_s) {
    p.add("spike.peak_per_s must be >= spike.baseline_per_s (" + format_number(s.baseline_per_s) +
          "), got " + format_number(s.peak_per_s));
  }
  bool ok =
      check_duration(p, "spike.lead", s.lead, Lower::kNonNegative, kMaxDuration, "kMaxDuration");
  ok &= check_duration(p, "spike.rise", s.rise, Lower::kNonNegative, kMaxDuration, "kMaxDuration");
  ok &= check_duration(p, "spike.hold", s.hold, Lower::kPositive, kMaxDuration, "kMaxDuration");
  ok &= check_duration(p, "spike.fall", s.fall, Lower::kNonNegative, kMaxDuration, "kMaxDuration");
  ok &= check_duration(p, "spike.tail", s.tail, Lower::kNonNegative, kMaxDuration, "kMaxDuration");
  if (ok) detail::check_total_duration(p, "spike", {s.lead, s.rise, s.hold, s.fall, s.tail});
}

void validate_shape(const ChaosRate& s, Problems& p) {
  const bool min_ok = check_rate(p, "chaos.min_per_s", s.min_per_s, Lower::kNonNegative);
  const bool max_ok = check_rate(p, "chaos.max_per_s", s.max_per_s, Lower::kPositive);
  if (min_ok && max_ok && s.max_per_s < s.min_per_s) {
    p.add("chaos.max_per_s must be >= chaos.min_per_s (" + format_number(s.min_per_s) + "), got " +
          format_number(s.max_per_s));
  }
  check_rate(p, "chaos.max_step_per_s", s.max_step_per_s, Lower::kPositive);
  const bool interval_ok = check_duration(p, "chaos.interval", s.interval, Lower::kPositive,
                                          kMaxDuration, "kMaxDuration");
  const bool duration_ok = check_duration(p, "chaos.duration", s.duration, Lower::kPositive,
                                          kMaxDuration, "kMaxDuration");
  if (interval_ok && duration_ok) check_segments(p, "chaos", "interval", s.interval, s.duration, 1);
}

nanoseconds shape_duration(const ConstantRate& s) { return s.duration; }
nanoseconds shape_duration(const RampRate& s) { return s.duration; }
nanoseconds shape_duration(const StepsRate& s) {
  nanoseconds total{};
  for (const RateStep& step : s.steps) total = saturating_sum({total, step.duration});
  return total;
}
nanoseconds shape_duration(const BurstRate& s) { return s.duration; }
nanoseconds shape_duration(const WaveRate& s) { return s.duration; }
nanoseconds shape_duration(const SpikeRate& s) {
  return saturating_sum({s.lead, s.rise, s.hold, s.fall, s.tail});
}
nanoseconds shape_duration(const ChaosRate& s) { return s.duration; }

nlohmann::json shape_json(const ConstantRate& s) {
  return {{"rate_per_s", s.rate_per_s}, {"duration_s", seconds(s.duration)}};
}
nlohmann::json shape_json(const RampRate& s) {
  return {
      {"from_per_s", s.from_per_s}, {"to_per_s", s.to_per_s}, {"duration_s", seconds(s.duration)}};
}
nlohmann::json shape_json(const StepsRate& s) {
  nlohmann::json steps = nlohmann::json::array();
  for (const RateStep& step : s.steps) {
    steps.push_back({{"rate_per_s", step.rate_per_s}, {"duration_s", seconds(step.duration)}});
  }
  return {{"steps", steps}};
}
nlohmann::json shape_json(const BurstRate& s) {
  return {{"base_per_s", s.base_per_s},
          {"burst_per_s", s.burst_per_s},
          {"burst_length_s", seconds(s.burst_length)},
          {"period_s", seconds(s.period)},
          {"duration_s", seconds(s.duration)}};
}
nlohmann::json shape_json(const WaveRate& s) {
  return {{"mean_per_s", s.mean_per_s},
          {"amplitude_per_s", s.amplitude_per_s},
          {"period_s", seconds(s.period)},
          {"duration_s", seconds(s.duration)}};
}
nlohmann::json shape_json(const SpikeRate& s) {
  return {{"baseline_per_s", s.baseline_per_s}, {"peak_per_s", s.peak_per_s},
          {"lead_s", seconds(s.lead)},          {"rise_s", seconds(s.rise)},
          {"hold_s", seconds(s.hold)},          {"fall_s", seconds(s.fall)},
          {"tail_s", seconds(s.tail)}};
}
nlohmann::json shape_json(const ChaosRate& s) {
  return {{"min_per_s", s.min_per_s},           {"max_per_s", s.max_per_s},
          {"max_step_per_s", s.max_step_per_s}, {"interval_s", seconds(s.interval)},
          {"duration_s", seconds(s.duration)},  {"seed", s.seed}};
}

std::string shape_text(const ConstantRate& s) {
  return "constant " + per_s(s.rate_per_s) + " for " + format_duration(s.duration);
}
std::string shape_text(const RampRate& s) {
  return "ramp " + per_s(s.from_per_s) + " -> " + per_s(s.to_per_s) + " over " +
         format_duration(s.duration);
}
std::string shape_text(const StepsRate& s) {
  std::string out = "steps";
  for (std::size_t i = 0; i < s.steps.size(); ++i) {
    if (i == 8) return out + ", ... (" + std::to_string(s.steps.size()) + " steps)";
    out += (i == 0 ? " " : ", ") + per_s(s.steps[i].rate_per_s) + " for " +
           format_duration(s.steps[i].duration);
  }
  return out;
}
std::string shape_text(const BurstRate& s) {
  return "burst " + per_s(s.base_per_s) + " with " + per_s(s.burst_per_s) + " for " +
         format_duration(s.burst_length) + " at the end of every " + format_duration(s.period) +
         ", for " + format_duration(s.duration);
}
std::string shape_text(const WaveRate& s) {
  return "wave " + per_s(s.mean_per_s) + " +- " + per_s(s.amplitude_per_s) + ", period " +
         format_duration(s.period) + ", for " + format_duration(s.duration);
}
std::string shape_text(const SpikeRate& s) {
  return "spike " + per_s(s.baseline_per_s) + " for " + format_duration(s.lead) + ", rise over " +
         format_duration(s.rise) + " to " + per_s(s.peak_per_s) + ", hold " +
         format_duration(s.hold) + ", fall over " + format_duration(s.fall) + ", " +
         per_s(s.baseline_per_s) + " for " + format_duration(s.tail);
}
std::string shape_text(const ChaosRate& s) {
  return "chaos " + per_s(s.min_per_s) + ".." + per_s(s.max_per_s) + ", steps up to " +
         per_s(s.max_step_per_s) + " every " + format_duration(s.interval) + ", seed " +
         std::to_string(s.seed) + ", for " + format_duration(s.duration);
}

}  // namespace

std::string_view RateProfile::kind() const noexcept {
  constexpr std::array<std::string_view, 7> kKinds = {"constant", "ramp",  "steps", "burst",
                                                      "wave",     "spike", "chaos"};
  return kKinds[shape_.index()];
}

std::chrono::nanoseconds RateProfile::duration() const noexcept {
  return std::visit([](const auto& s) { return shape_duration(s); }, shape_);
}

void RateProfile::validate(Problems& problems) const {
  std::visit([&](const auto& s) { validate_shape(s, problems); }, shape_);
}

nlohmann::json RateProfile::to_json() const {
  nlohmann::json out = std::visit([](const auto& s) { return shape_json(s); }, shape_);
  out["kind"] = kind();
  return out;
}

std::string RateProfile::describe() const {
  return std::visit([](const auto& s) { return shape_text(s); }, shape_);
}

}  // namespace gauntlet
