#include "gauntlet/load/executor.hpp"

#include <algorithm>
#include <stdexcept>

namespace gauntlet {

Executor::Executor(const ValidPlan& plan, Scenario scenario, Clock& clock, StopSource& stop)
    : plan_(plan), scenario_(std::move(scenario)), clock_(clock), stop_(stop) {
  if (!scenario_) throw ConfigError("scenario must be callable, got an empty function");
}

Executor::~Executor() {
  // Only reached with live threads if run() was never called to the end; make them exit.
  halt_.request_stop("executor destroyed");
  join_threads();
}

RunOutput Executor::run() {
  if (recorder_) throw std::logic_error("Executor::run() called twice");
  start_ = clock_.now();
  recorder_.emplace(RecorderOptions{.start = start_});
  start_wall_ = std::chrono::system_clock::now();
  // Each second's sample is taken at its end, as the most users active at once during it: taken
  // at its start it said 0 users for the run's first second, before any had started (Locust's
  // User Count), and missed the users of an open model between samples.
  next_sample_ = start_ + kSampleInterval - kSampleLead;
  clock_.add_participant();
  participating_ = true;
  try {
    ExecutionResult result = execute();
    join_all();
    return {std::move(result), recorder_->finish()};
  } catch (...) {
    halt_.request_stop("internal error");
    join_threads();
    throw;
  }
}

void Executor::run_iteration(RecorderShard& shard, const IterationInfo& info,
                             Clock::time_point latency_from) {
  started_.fetch_add(1);
  in_flight_.fetch_add(1);
  IterationContext ctx(shard, clock_, stop_, halt_, info);
  try {
    scenario_(ctx);
  } catch (...) {
    // An exception from user code is a counted failure, never the end of the run.
    auto [error_class, message] = classify_exception(std::current_exception());
    ctx.fail(error_class, message);
  }
  const Clock::time_point now = clock_.now();
  shard.record_iteration(now - latency_from, ctx.error(), now);
  if (ctx.error()) failed_.fetch_add(1);
  completed_.fetch_add(1);
  in_flight_.fetch_sub(1);
}

bool Executor::pause_until(Clock::time_point t, const std::function<bool()>& abort) {
  for (;;) {
    if (abort()) return false;  // a stop wins even when t has come
    const Clock::time_point now = clock_.now();
    if (now >= t) return true;
    clock_.sleep_until(std::min(t, now + kStopPollInterval));
  }
}

void Executor::spawn(std::function<void(RecorderShard&)> body) {
  // Counted before the thread exists, so that a virtual clock cannot move before it runs.
  clock_.add_participant();
  live_threads_.fetch_add(1);
  try {
    threads_.emplace_back([this, body = std::move(body)] {
      try {
        body(recorder_->make_shard());
      } catch (...) {
        const std::lock_guard<std::mutex> lock(error_mutex_);
        if (!thread_error_) thread_error_ = std::current_exception();
        halt_.request_stop("internal error in a virtual user");
      }
      live_threads_.fetch_sub(1);
      clock_.remove_participant();
    });
  } catch (...) {
    live_threads_.fetch_sub(1);
    clock_.remove_participant();
    throw;
  }
}

std::int64_t Executor::wind_down(Clock::time_point deadline) {
  for (;;) {
    const Clock::time_point now = clock_.now();
    sample_if_due(now);
    if (live_threads_.load() == 0) return 0;
    if (now >= deadline) {
      const std::int64_t in_flight = in_flight_.load();
      halt_.request_stop("graceful stop deadline passed");
      return in_flight;
    }
    supervisor_sleep(now, deadline);
  }
}

void Executor::join_threads() noexcept {
  if (participating_) {
    // Joining blocks on other threads, not on the clock: let virtual time move without us.
    clock_.remove_participant();
    participating_ = false;
  }
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void Executor::join_all() {
  join_threads();
  const std::lock_guard<std::mutex> lock(error_mutex_);
  if (thread_error_) std::rethrow_exception(std::exchange(thread_error_, nullptr));
}

void Executor::sample_if_due(Clock::time_point now) {
  if (now < next_sample_) return;
  const std::int64_t current = active_vus_.load();
  const std::int64_t active = std::max(current, interval_peak_vus_.exchange(current));
  if (active > sampled_peak_vus_.load()) sampled_peak_vus_.store(active);  // only this thread
  recorder_->sample_active_vus(now, active);
  while (next_sample_ <= now) next_sample_ += kSampleInterval;
  if (!progress_) return;
  try {
    progress_(
        progress_snapshot(recorder_->live_series(now), now - start_, plan_.max_duration(), active));
  } catch (...) {
    progress_ = nullptr;  // a broken progress display must not end the run
  }
}

void Executor::supervisor_sleep(Clock::time_point now, Clock::time_point t) {
  clock_.sleep_until(std::min({t, next_sample_, now + kStopPollInterval}));
}

void Executor::change_active(std::int64_t delta) noexcept {
  const std::int64_t now_active = active_vus_.fetch_add(delta) + delta;
  std::int64_t peak = interval_peak_vus_.load();
  while (now_active > peak && !interval_peak_vus_.compare_exchange_weak(peak, now_active)) {
  }
}

ExecutionResult Executor::make_result(std::vector<std::string> reasons) const {
  ExecutionResult r;
  r.plan_name = plan_.name();
  r.model = std::string(plan_.plan().model_kind());
  r.started = start_;
  r.load_ended = load_ended_;
  r.ended = clock_.now();
  r.started_wall = start_wall_;
  r.ended_wall = std::chrono::system_clock::now();
  if (stop_.stop_requested()) reasons.insert(reasons.begin(), "stopped: " + stop_.reason());
  if (abandoned_ > 0) {
    reasons.push_back("graceful stop deadline passed with " + std::to_string(abandoned_) +
                      " iterations in flight");
  }
  for (const std::string& reason : reasons) {
    r.stop_reason += (r.stop_reason.empty() ? "" : "; ") + reason;
  }
  r.incomplete = !reasons.empty();
  r.iterations_started = started_.load();
  r.iterations_completed = completed_.load();
  r.iterations_failed = failed_.load();
  r.abandoned = abandoned_;
  // The run's peak: the samples' peaks, and the interval since the last sample.
  r.max_active_vus = std::max(sampled_peak_vus_.load(), interval_peak_vus_.load());
  r.vus_allocated = static_cast<std::int64_t>(threads_.size());
  const double load_s = std::chrono::duration<double>(load_ended_ - start_).count();
  r.achieved_rate_per_s = load_s > 0 ? static_cast<double>(r.iterations_started) / load_s : 0;
  return r;
}

}  // namespace gauntlet
