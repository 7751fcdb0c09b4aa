#include "gauntlet/load/open_executor.hpp"

#include <algorithm>

#include "gauntlet/text/exact_format.hpp"

namespace gauntlet {
OpenExecutor::OpenExecutor(const ValidPlan& plan, Scenario scenario, Clock& clock, StopSource& stop)
    : Executor(plan, std::move(scenario), clock, stop),
      model_(plan_.model_as<OpenModel>("OpenExecutor")),
      max_wait_(*model_.max_wait),
      cut_(std::min(model_.profile.duration(), plan_.max_duration())),
      schedule_(model_.profile) {}

ExecutionResult OpenExecutor::execute() {
  // The rate asked for over the load phase (max_duration may cut the profile short).
  const double cut_s = std::chrono::duration<double>(cut_).count();
  const double requested_rate = cut_s > 0 ? schedule_.curve().arrivals_by(cut_) / cut_s : 0;
  RecorderShard& shard = recorder_->make_shard();  // the supervisor's, for drops
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    for (std::int64_t i = 0; i < model_.pre_allocated_vus; ++i) start_vu();
  }
  const bool reached_end = supervise_load_phase(shard);
  load_ended_ = clock_.now();
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    closing_ = true;
    cancel_due_locked(load_ended_);
  }
  abandoned_ = wind_down(load_ended_ + plan_.graceful_stop());
  join_all();

  std::vector<std::string> reasons;
  if (truncated_ && reached_end) {
    reasons.push_back("max_duration " + format_duration(plan_.max_duration()) +
                      " reached before the plan finished");
  }
  ExecutionResult result = make_result(std::move(reasons));
  result.requested_rate_per_s = requested_rate;
  result.arrivals = arrivals_.load();
  result.dropped = dropped_.load();
  result.cancelled = cancelled_.load();
  return result;
}

bool OpenExecutor::supervise_load_phase(RecorderShard& shard) {
  // Until every arrival has been taken by a user or dropped...
  for (;;) {
    const Clock::time_point now = clock_.now();
    sample_if_due(now);
    if (stopping()) return false;
    const std::optional<Clock::time_point> wake = supervise(shard, now);
    if (!wake) break;
    supervisor_sleep(now, *wake);
  }
  // ...and at least until the end of the profile (or max_duration).
  const Clock::time_point load_end = start_ + cut_;
  for (;;) {
    const Clock::time_point now = clock_.now();
    sample_if_due(now);
    if (stopping()) return false;
    if (now >= load_end) return true;
    supervisor_sleep(now, load_end);
  }
}

void OpenExecutor::vu_loop(RecorderShard& shard, std::int64_t vu) {
  std::int64_t done = 0;
  bool first = true;
  while (const std::optional<Arrival> arrival = claim(shard, std::exchange(first, false))) {
    const Clock::time_point intended = start_ + arrival->offset;
    if (!pause_until(intended, [this] { return stopping(); })) {
      cancelled_.fetch_add(1);
      break;
    }
    change_active(1);
    run_iteration(shard, IterationInfo{vu, arrival->index, done++, intended}, intended);
    change_active(-1);
  }
}

std::optional<OpenExecutor::Arrival> OpenExecutor::claim(RecorderShard& shard, bool first) {
  const std::lock_guard<std::mutex> lock(mutex_);
  if (first) --starting_vus_;
  if (closing_ || stopping()) return std::nullopt;
  drop_overdue_locked(shard, clock_.now());
  peek_locked(1);
  if (pending_.empty()) return std::nullopt;
  const Arrival arrival = pending_.front();
  pending_.pop_front();
  arrivals_.fetch_add(1);
  return arrival;
}

std::optional<Clock::time_point> OpenExecutor::supervise(RecorderShard& shard,
                                                         Clock::time_point now) {
  const std::lock_guard<std::mutex> lock(mutex_);
  drop_overdue_locked(shard, now);
  peek_locked(1);
  if (pending_.empty()) return std::nullopt;
  // Arrivals whose time has come are pending only because every user is busy: start users for
  // them, beyond the ones already starting, up to max_vus.
  const std::int64_t capacity = model_.max_vus - vus_;
  peek_locked(static_cast<std::size_t>(starting_vus_ + capacity + 1));
  const auto not_due = std::find_if(pending_.begin(), pending_.end(),
                                    [&](const Arrival& a) { return start_ + a.offset > now; });
  const auto due = static_cast<std::int64_t>(not_due - pending_.begin());
  const std::int64_t to_start = std::min(capacity, due - starting_vus_);
  for (std::int64_t i = 0; i < to_start; ++i) start_vu();
  if (due == 0) return start_ + pending_.front().offset;
  // Look again when the oldest waiting arrival runs out of time, or the next one comes due.
  Clock::time_point wake =
      start_ + pending_.front().offset + max_wait_ + std::chrono::nanoseconds(1);
  peek_locked(static_cast<std::size_t>(due + 1));
  if (static_cast<std::size_t>(due) < pending_.size()) {
    wake = std::min(wake, start_ + pending_[static_cast<std::size_t>(due)].offset);
  }
  return wake;
}

void OpenExecutor::peek_locked(std::size_t n) {
  while (pending_.size() < n && !exhausted_) {
    const std::optional<std::chrono::nanoseconds> offset = schedule_.next();
    if (!offset || *offset >= cut_) {
      exhausted_ = true;
      truncated_ = offset.has_value();
      return;
    }
    pending_.push_back(Arrival{schedule_.emitted() - 1, *offset});
  }
}

void OpenExecutor::drop_overdue_locked(RecorderShard& shard, Clock::time_point now) {
  for (;;) {
    peek_locked(1);
    if (pending_.empty()) return;
    const Clock::time_point deadline = start_ + pending_.front().offset + max_wait_;
    if (deadline >= now) return;
    pending_.pop_front();
    arrivals_.fetch_add(1);
    dropped_.fetch_add(1);
    shard.record_dropped(deadline);
  }
}

void OpenExecutor::cancel_due_locked(Clock::time_point now) {
  for (;;) {
    peek_locked(1);
    if (pending_.empty() || start_ + pending_.front().offset > now) return;
    pending_.pop_front();
    arrivals_.fetch_add(1);
    cancelled_.fetch_add(1);
  }
}

void OpenExecutor::start_vu() {
  const std::int64_t vu = vus_++;
  ++starting_vus_;
  try {
    spawn([this, vu](RecorderShard& shard) { vu_loop(shard, vu); });
  } catch (...) {
    --vus_;
    --starting_vus_;
    throw;
  }
}

}  // namespace gauntlet
