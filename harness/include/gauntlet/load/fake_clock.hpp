#pragma once
// Virtual time for tests: a discrete-event clock. Time stands still while any participant thread
// runs and jumps to the earliest wake-up time as soon as every participant sleeps in
// sleep_until(). Executors register their threads (Clock::add_participant), so a whole multi-
// threaded run happens in virtual time: a 10-minute plan finishes in milliseconds and every
// timestamp it sees is exact and repeatable.
//
// Rules for tests: every thread that sleeps on the clock must be a participant (the executor
// registers its own threads and the thread that calls run_plan); a participant must never block on
// anything but the clock for long (a scenario that waits uses ctx.clock()). A thread that is not
// a participant may still call sleep_until() when no participant is running, e.g. a single-
// threaded test: with no participants, time moves to the sleeper's wake-up at once. A run whose
// scenario never sleeps on the clock takes no virtual time: a duration-bounded closed run with
// such a scenario and no think time never reaches its end.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <set>

#include "gauntlet/load/clock.hpp"

namespace gauntlet {

class FakeClock final : public Clock {
 public:
  // Starts one hour after the steady_clock epoch, so that "start - something" never underflows.
  explicit FakeClock(time_point start = time_point{} + std::chrono::hours(1)) : now_(start) {}
  FakeClock(const FakeClock&) = delete;
  FakeClock& operator=(const FakeClock&) = delete;

  time_point now() const override {
    const std::lock_guard<std::mutex> lock(mutex_);
    return now_;
  }

  void sleep_until(time_point t) override {
    std::unique_lock<std::mutex> lock(mutex_);
    if (t <= now_) return;
    wakes_.insert(t);
    advance_if_idle_locked();
    // The advancing thread erases our entry when it moves time to or past t.
    cv_.wait(lock, [&] { return now_ >= t; });
  }

  void add_participant() noexcept override {
    const std::lock_guard<std::mutex> lock(mutex_);
    ++participants_;
  }

  void remove_participant() noexcept override {
    const std::lock_guard<std::mutex> lock(mutex_);
    --participants_;
    advance_if_idle_locked();
  }

  // Moves time forward by d by hand (d <= 0 does nothing) and wakes every sleeper that is due.
  void advance(duration d) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (d <= duration::zero()) return;
    move_to_locked(now_ + d);
  }

  // Threads currently sleeping and not yet due; for tests that synchronise with sleepers.
  std::size_t sleepers() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return wakes_.size();
  }

 private:
  // Every participant sleeps (or there are none): jump to the earliest wake-up. The threads woken
  // are erased from wakes_ here, so they count as running before they even get the lock back.
  void advance_if_idle_locked() {
    if (wakes_.empty()) return;
    if (static_cast<std::ptrdiff_t>(wakes_.size()) < participants_) return;
    move_to_locked(*wakes_.begin());
  }

  void move_to_locked(time_point t) {
    if (t > now_) now_ = t;
    wakes_.erase(wakes_.begin(), wakes_.upper_bound(now_));
    cv_.notify_all();
  }

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  time_point now_;
  std::ptrdiff_t participants_ = 0;
  std::multiset<time_point> wakes_;  // wake-up times of sleepers not yet due
};

}  // namespace gauntlet
