#include "gauntlet/faults/recovery_time.hpp"

#include <algorithm>
#include <limits>

#include "gauntlet/config_error.hpp"
#include "gauntlet/text/exact_format.hpp"
#include "gauntlet/text/measured_format.hpp"

namespace gauntlet {
namespace {

double success_rate(const SeriesPoint& p) {
  return p.completed == 0 ? 0.0
                          : 1.0 - static_cast<double>(p.failed) / static_cast<double>(p.completed);
}

}  // namespace

std::vector<std::string> RecoveryOptions::validate() const {
  std::vector<std::string> problems;
  if (baseline_from_s < 0 || baseline_to_s <= baseline_from_s) {
    problems.push_back(
        "recovery baseline must be a window [from, to) with 0 <= from < to, but is [" +
        std::to_string(baseline_from_s) + ", " + std::to_string(baseline_to_s) + ")");
  }
  if (fault_end_s < static_cast<double>(baseline_to_s)) {
    problems.push_back("recovery fault_end_s must be >= the baseline's end (" +
                       std::to_string(baseline_to_s) + "s), but is " + format_number(fault_end_s));
  }
  if (success_tolerance < 0 || success_tolerance >= 1) {
    problems.push_back("recovery success_tolerance must be within 0..1, but is " +
                       format_number(success_tolerance));
  }
  if (p95_factor < 1) {
    problems.push_back("recovery p95_factor must be >= 1, but is " + format_number(p95_factor));
  }
  if (p95_slack_ms < 0) {
    problems.push_back("recovery p95_slack_ms must be >= 0, but is " + format_number(p95_slack_ms));
  }
  if (consecutive_s < 1) {
    problems.push_back("recovery consecutive_s must be >= 1, but is " +
                       std::to_string(consecutive_s));
  }
  return problems;
}

Recovery recovery_time(std::span<const SeriesPoint> series, const RecoveryOptions& options) {
  Problems problems;
  for (const std::string& p : options.validate()) problems.add(p);
  problems.throw_if_any();
  Recovery r;
  std::int64_t completed = 0;
  std::int64_t failed = 0;
  double p95_sum_us = 0;
  int p95_seconds = 0;
  for (const SeriesPoint& p : series) {
    if (p.second < options.baseline_from_s || p.second >= options.baseline_to_s) continue;
    completed += p.completed;
    failed += p.failed;
    if (p.completed > 0) {
      p95_sum_us += static_cast<double>(p.p95_us);
      ++p95_seconds;
    }
  }
  if (completed == 0) {
    throw ConfigError("recovery baseline [" + std::to_string(options.baseline_from_s) + ", " +
                      std::to_string(options.baseline_to_s) +
                      ") completed no iteration: there is nothing to recover to");
  }
  r.baseline_success_rate = 1.0 - static_cast<double>(failed) / static_cast<double>(completed);
  r.baseline_p95_ms = p95_sum_us / p95_seconds / 1000.0;
  const double p95_limit_ms = r.baseline_p95_ms * options.p95_factor + options.p95_slack_ms;
  int good = 0;
  for (const SeriesPoint& p : series) {
    if (static_cast<double>(p.second) + 1 <= options.fault_end_s) continue;  // still in the fault
    r.observed_s = static_cast<double>(p.second) + 1 - options.fault_end_s;
    const bool ok = p.completed > 0 &&
                    success_rate(p) >= r.baseline_success_rate - options.success_tolerance &&
                    static_cast<double>(p.p95_us) / 1000.0 <= p95_limit_ms;
    good = ok ? good + 1 : 0;
    if (good == options.consecutive_s) {
      const double first = static_cast<double>(p.second - options.consecutive_s + 1);
      r.seconds = std::max(0.0, first - options.fault_end_s);
      break;
    }
  }
  return r;
}

std::string Recovery::describe() const {
  if (from_outcomes) {
    if (seconds) {
      return "recovered in " + format_3_digits(*seconds) +
             "s (the first success after the last failure)";
    }
    return "did not recover within " + format_3_digits(observed_s) +
           "s of the fault (no success after the last failure)";
  }
  const std::string baseline = "baseline success " + format_percent(baseline_success_rate) +
                               ", p95 " + format_duration_us(baseline_p95_ms * 1000.0);
  if (seconds) return "recovered in " + format_3_digits(*seconds) + "s (" + baseline + ")";
  return "did not recover within " + format_3_digits(observed_s) + "s of the fault's end (" +
         baseline + ")";
}

void OutcomeLog::add(bool ok) { add(std::chrono::steady_clock::now(), ok); }

void OutcomeLog::add(std::chrono::steady_clock::time_point at, bool ok) {
  const std::lock_guard lock(mutex_);
  outcomes_.push_back({at, ok});
}

std::vector<Outcome> OutcomeLog::sorted() const {
  std::vector<Outcome> out;
  {
    const std::lock_guard lock(mutex_);
    out = outcomes_;
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Outcome& a, const Outcome& b) { return a.at < b.at; });
  return out;
}

Recovery recovery_after(std::span<const Outcome> outcomes,
                        std::chrono::steady_clock::time_point fault,
                        std::chrono::steady_clock::time_point until) {
  const auto since_fault = [&](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(t - fault).count();
  };
  Recovery r;
  r.from_outcomes = true;
  std::optional<std::chrono::steady_clock::time_point> last_failure;
  for (const Outcome& o : outcomes) {
    if (o.at >= fault && o.at < until && !o.ok && (!last_failure || o.at > *last_failure)) {
      last_failure = o.at;
    }
    r.observed_s = std::max(r.observed_s, since_fault(o.at));
  }
  if (!last_failure) {
    r.seconds = 0.0;
    return r;
  }
  for (const Outcome& o : outcomes) {
    if (o.ok && o.at > *last_failure && (!r.seconds || since_fault(o.at) < *r.seconds)) {
      r.seconds = since_fault(o.at);
    }
  }
  return r;
}

Recovery slowest(std::span<const Recovery> recoveries) {
  Recovery worst;
  worst.from_outcomes = true;
  worst.seconds = 0.0;
  for (const Recovery& r : recoveries) {
    if (!r.seconds) return r;
    if (*r.seconds >= *worst.seconds) worst = r;
  }
  return worst;
}

Figure recovery_figure(std::string name, const Recovery& recovery) {
  if (recovery.seconds) return {std::move(name), *recovery.seconds, {recovery.describe()}};
  return {std::move(name), std::numeric_limits<double>::quiet_NaN(), {recovery.describe()}};
}

}  // namespace gauntlet

namespace gauntlet {

Figure recovery_figure(const RecoveryMetric& metric, std::span<const SeriesPoint> series) {
  try {
    return recovery_figure(metric.name, recovery_time(series, metric.options));
  } catch (const ConfigError& e) {
    return {metric.name, std::numeric_limits<double>::quiet_NaN(), {e.what()}};
  }
}

}  // namespace gauntlet
