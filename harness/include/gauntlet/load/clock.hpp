#pragma once
// The executors' only source of time, injected so that plans, schedules and executors are
// tested on fake time.
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace gauntlet {

class Clock {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  using duration = std::chrono::steady_clock::duration;
  virtual ~Clock() = default;
  virtual time_point now() const = 0;
  // Blocks until now() >= t (returns at once if it already is).
  virtual void sleep_until(time_point t) = 0;

  // Threads of a run announce themselves so that a virtual clock (FakeClock, tests) moves time
  // only when every one of them sleeps in sleep_until. An executor calls add_participant() on the
  // thread that starts a new thread, before starting it (time cannot move before the new thread
  // runs), and remove_participant() when that thread is about to end or to block on anything but
  // the clock (joining threads). The real clock ignores both. (Added by the load helper.)
  virtual void add_participant() noexcept {}
  virtual void remove_participant() noexcept {}
};

// The real monotonic clock.
class SteadyClock final : public Clock {
 public:
  time_point now() const override { return std::chrono::steady_clock::now(); }
  void sleep_until(time_point t) override;
};

}  // namespace gauntlet
