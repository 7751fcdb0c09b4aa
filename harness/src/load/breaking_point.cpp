#include "gauntlet/load/breaking_point.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

#include "gauntlet/config_error.hpp"
#include "gauntlet/text/exact_format.hpp"
#include "gauntlet/text/measured_format.hpp"

namespace gauntlet {
namespace {

// The search's state: every level run so far and how long the longest took.
class Search {
 public:
  Search(const BreakingPointOptions& options, const LevelRunner& run_level, Clock& clock)
      : options_(options), run_level_(run_level), clock_(clock), started_(clock.now()) {}

  // Runs `level` unless the budget would not cover it; nullopt when it was not run.
  std::optional<LevelOutcome> run(double level) {
    if (options_.whole_levels) level = std::round(level);
    const auto before = clock_.now();
    if (before - started_ + longest_ > options_.time_budget) {
      curve_.note = "the time budget of " + format_duration(options_.time_budget) +
                    " ran out after " + std::to_string(curve_.levels.size()) + " levels";
      return std::nullopt;
    }
    LevelOutcome out = run_level_(level);
    out.level = level;
    longest_ = std::max(longest_, clock_.now() - before);
    curve_.levels.push_back(out);
    return out;
  }

  // A level's verdict: with confirm, a failure counts only when a second run fails too (one
  // stall of the target or of the machine does not make a breaking point); a generator
  // bottleneck is never re-run. nullopt when the budget did not cover the first run.
  std::optional<LevelOutcome> judge(double level) {
    auto out = run(level);
    if (!out || out->passed || out->generator_limited || !options_.confirm) return out;
    const auto again = run(level);
    return again ? again : out;
  }

  CapacityCurve finish(std::optional<double> highest) {
    curve_.unit = options_.unit;
    curve_.highest_sustainable = highest;
    std::sort(curve_.levels.begin(), curve_.levels.end(),
              [](const LevelOutcome& a, const LevelOutcome& b) { return a.level < b.level; });
    if (!curve_.levels.empty()) {
      const double low_p99 = curve_.levels.front().p99_ms;
      for (const LevelOutcome& l : curve_.levels) {
        if (l.p99_ms > options_.knee_factor * low_p99) {
          curve_.knee = l.level;
          break;
        }
      }
    }
    return std::move(curve_);
  }

  // The highest level below `below` that passed every run of it; nullopt when none did.
  std::optional<double> highest_passed_below(double below) const {
    std::optional<double> best;
    for (const LevelOutcome& l : curve_.levels) {
      if (!l.passed || l.level >= below || (best && l.level <= *best)) continue;
      const bool ever_failed =
          std::any_of(curve_.levels.begin(), curve_.levels.end(),
                      [&](const LevelOutcome& o) { return o.level == l.level && !o.passed; });
      if (!ever_failed) best = l.level;
    }
    return best;
  }

  void note(std::string text) {
    if (curve_.note.empty()) curve_.note = std::move(text);
  }
  void add_note(const std::string& text) {
    curve_.note += (curve_.note.empty() ? "" : "; ") + text;
  }

 private:
  const BreakingPointOptions& options_;
  const LevelRunner& run_level_;
  Clock& clock_;
  Clock::time_point started_;
  Clock::duration longest_{};
  CapacityCurve curve_;
};

// The answer, confirmed by a second run when the options ask for it (see confirm).
CapacityCurve confirmed(Search& search, const BreakingPointOptions& options,
                        std::optional<double> good) {
  while (options.confirm && good) {
    const auto again = search.run(*good);
    if (!again) {
      search.add_note(format_3_digits(*good) +
                      " is not confirmed: no time was left to run it again");
      break;
    }
    if (again->passed) {
      search.add_note(format_3_digits(*good) + " confirmed by a second run");
      break;
    }
    search.add_note(format_3_digits(*good) + " failed its second run");
    good = search.highest_passed_below(*good);
  }
  return search.finish(good);
}

}  // namespace

std::vector<std::string> BreakingPointOptions::validate() const {
  std::vector<std::string> problems;
  if (!(from > 0))
    problems.push_back("breaking-point from must be > 0, but is " + format_number(from));
  if (!(to > from)) {
    problems.push_back("breaking-point to must be > from (" + format_number(from) + "), but is " +
                       format_number(to));
  }
  if (steps < 2 || steps > 100) {
    problems.push_back("breaking-point steps must be within 2..100, but is " +
                       std::to_string(steps));
  }
  if (!(precision > 0 && precision < 1)) {
    problems.push_back("breaking-point precision must be within 0..1 (exclusive), but is " +
                       format_number(precision));
  }
  if (time_budget.count() <= 0) {
    problems.push_back("breaking-point time budget must be > 0s, but is " +
                       format_duration(time_budget));
  }
  if (!(knee_factor > 1)) {
    problems.push_back("breaking-point knee factor must be > 1, but is " +
                       format_number(knee_factor));
  }
  if (thresholds.empty()) {
    problems.push_back(
        "a breaking-point search needs at least one threshold (what a sustainable level is, "
        "e.g. 'p(99)<200ms'), but has none");
  }
  return problems;
}

CapacityCurve find_breaking_point(const BreakingPointOptions& options, const LevelRunner& run_level,
                                  Clock& clock) {
  Problems problems;
  for (const std::string& p : options.validate()) problems.add(p);
  problems.throw_if_any();
  Search search(options, run_level, clock);
  std::optional<double> good;
  std::optional<double> bad;
  const double step = (options.to - options.from) / (options.steps - 1);
  for (int i = 0; i < options.steps && !bad; ++i) {
    const auto out = search.judge(options.from + step * i);
    if (!out) return confirmed(search, options, good);
    if (out->generator_limited) {
      search.note("the generator was the bottleneck at " + format_3_digits(out->level) + " " +
                  options.unit + ": the target's limit is beyond what this machine can send");
      return confirmed(search, options, good);
    }
    (out->passed ? good : bad) = out->level;
  }
  if (!bad) {
    search.note("every level up to " + format_3_digits(options.to) + " " + options.unit +
                " passed: the breaking point is beyond the range searched");
    return confirmed(search, options, good);
  }
  if (!good) {
    search.note("the lowest level failed: the breaking point is below the range searched");
    return confirmed(search, options, good);
  }
  while (*bad - *good > options.precision * *good) {
    const double mid = (*good + *bad) / 2;
    if (options.whole_levels && (std::round(mid) <= *good || std::round(mid) >= *bad)) break;
    const auto out = search.judge(mid);
    if (!out) return confirmed(search, options, good);
    if (out->generator_limited) {
      search.note("the generator was the bottleneck at " + format_3_digits(out->level));
      return confirmed(search, options, good);
    }
    (out->passed ? good : bad) = out->level;
  }
  search.note("bisection converged: " + format_3_digits(*good) + " passed, " +
              format_3_digits(*bad) + " failed");
  return confirmed(search, options, good);
}

}  // namespace gauntlet
