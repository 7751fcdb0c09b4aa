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
};

// The real monotonic clock.
class SteadyClock final : public Clock {
 public:
  time_point now() const override { return std::chrono::steady_clock::now(); }
  void sleep_until(time_point t) override;
};

}  // namespace gauntlet
