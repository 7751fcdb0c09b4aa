#include "gauntlet/faults/fault_timeline.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include "gauntlet/text/exact_format.hpp"
#include "gauntlet/text/measured_format.hpp"

namespace gauntlet {
namespace {

// Runs one callback: "ok: <what it said>" or "failed: <why>".
std::string outcome_of(const std::function<std::string()>& action) {
  try {
    const std::string said = action();
    return said.empty() ? "ok" : "ok: " + said;
  } catch (const std::exception& e) {
    return std::string("failed: ") + e.what();
  } catch (...) {
    return "failed: an unknown exception";
  }
}

}  // namespace

std::vector<std::string> validate_timeline(std::span<const TimedAction> actions,
                                           std::chrono::nanoseconds run_length) {
  std::vector<std::string> problems;
  for (std::size_t i = 0; i < actions.size(); ++i) {
    const TimedAction& a = actions[i];
    const std::string field = "timeline[" + std::to_string(i) + "] (" + a.name + ")";
    if (a.name.empty()) problems.push_back(field + ".name must not be empty");
    if (a.at.count() < 0) {
      problems.push_back(field + ".at must be >= 0s, but is " + format_duration(a.at));
    } else if (a.at >= run_length) {
      problems.push_back(field + ".at is " + format_duration(a.at) + ", after the run's end at " +
                         format_duration(run_length));
    }
    if (!a.start) problems.push_back(field + ".start has no action to run");
    if (!a.until) continue;
    if (*a.until <= a.at) {
      problems.push_back(field + ".until must be after its at (" + format_duration(a.at) +
                         "), but is " + format_duration(*a.until));
    } else if (*a.until > run_length) {
      problems.push_back(field + ".until is " + format_duration(*a.until) +
                         ", after the run's end at " + format_duration(run_length));
    }
    if (!a.end) problems.push_back(field + ".end has no action to run (it has an until)");
  }
  return problems;
}

FaultTimeline::FaultTimeline(std::vector<TimedAction> actions)
    : actions_(std::move(actions)),
      entries_(actions_.size()),
      started_(actions_.size(), false),
      ended_(actions_.size(), false),
      start_(std::chrono::steady_clock::now()) {
  for (std::size_t i = 0; i < actions_.size(); ++i) {
    entries_[i].action = actions_[i].name;
    entries_[i].at_s = std::chrono::duration<double>(actions_[i].at).count();
    events_.push_back({actions_[i].at, i, false});
    if (actions_[i].until) events_.push_back({*actions_[i].until, i, true});
  }
  std::stable_sort(events_.begin(), events_.end(),
                   [](const Event& a, const Event& b) { return a.at < b.at; });
  thread_ = std::thread([this] { loop(); });
}

FaultTimeline::~FaultTimeline() { finish(); }

double FaultTimeline::now_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void FaultTimeline::loop() {
  std::unique_lock lock(mutex_);
  for (const Event& e : events_) {
    if (wake_.wait_until(lock, start_ + e.at, [this] { return done_; })) return;
    lock.unlock();
    run_event(e);
    lock.lock();
  }
}

// Runs on the timeline's thread, or on finish()'s after that thread has ended.
void FaultTimeline::run_event(const Event& e) {
  const TimedAction& a = actions_[e.action];
  TimelineEntry& entry = entries_[e.action];
  if (!e.is_end) {
    entry.at_s = now_s();
    entry.outcome = outcome_of(a.start);
    started_[e.action] = true;
    return;
  }
  entry.until_s = now_s();
  entry.outcome += "; end " + outcome_of(a.end);
  ended_[e.action] = true;
}

std::vector<TimelineEntry> FaultTimeline::finish() {
  {
    const std::lock_guard lock(mutex_);
    if (finished_) return entries_;
    finished_ = true;
    done_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  const double ended_at = now_s();
  for (std::size_t i = 0; i < actions_.size(); ++i) {
    if (!started_[i]) {
      entries_[i].outcome = "not run: the run ended at " + format_3_digits(ended_at) + "s";
    } else if (actions_[i].until && !ended_[i]) {
      run_event({*actions_[i].until, i, true});  // never leave a fault in force
      entries_[i].outcome += " (the run ended first)";
    }
  }
  return entries_;
}

}  // namespace gauntlet
