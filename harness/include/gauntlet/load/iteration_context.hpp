#pragma once
// What a scenario sees of the run, once per iteration: who it is, when it was meant to start,
// whether the run wants it to stop, and step(), which times a piece of work and records it in the
// thread's RecorderShard. A failure is data: fail() marks the step (or the iteration) failed with
// an ErrorClass without throwing; an exception thrown inside a step is recorded (StepFailure with
// its class, anything else as kException with what() as the sample) and rethrown to end the
// iteration, which the executor counts and survives.
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "gauntlet/error_class.hpp"
#include "gauntlet/load/clock.hpp"
#include "gauntlet/load/stop_source.hpp"
#include "gauntlet/metrics/recorder.hpp"

namespace gauntlet {

// A scenario ends the iteration as failed with a given class by throwing StepFailure
// (gauntlet/error_class.hpp): throw StepFailure(ErrorClass::kHttp5xx, "POST /upload answered 503").

class IterationContext;
// One iteration of a scenario. Scenarios block (a flow is sequential); the executors run each
// virtual user on its own thread.
using Scenario = std::function<void(IterationContext&)>;

struct IterationInfo {
  std::int64_t vu_id = 0;         // 0-based index of the virtual user
  std::int64_t iteration = 0;     // 0-based, across the run (open model: the arrival's index)
  std::int64_t vu_iteration = 0;  // 0-based, of this virtual user
  // Open model: the intended start from the schedule (latency is measured from it). Closed
  // model: when the iteration actually started.
  Clock::time_point scheduled_start{};
};

class IterationContext {
 public:
  // `stop` is the run's external stop; `halt` is the executor's own (graceful deadline passed).
  IterationContext(RecorderShard& shard, Clock& clock, const StopSource& stop,
                   const StopSource& halt, IterationInfo info) noexcept
      : shard_(shard), clock_(clock), stop_(stop), halt_(halt), info_(info) {}
  IterationContext(const IterationContext&) = delete;
  IterationContext& operator=(const IterationContext&) = delete;

  std::int64_t vu_id() const noexcept { return info_.vu_id; }
  std::int64_t iteration() const noexcept { return info_.iteration; }
  std::int64_t vu_iteration() const noexcept { return info_.vu_iteration; }
  Clock::time_point scheduled_start() const noexcept { return info_.scheduled_start; }
  // The run's clock: a scenario that waits (backoff, polling) sleeps on it, so that it works on
  // fake time too.
  Clock& clock() const noexcept { return clock_; }
  // True once the run was asked to stop or gave up waiting for in-flight iterations; a long
  // scenario polls it and returns early.
  bool stop_requested() const noexcept { return stop_.stop_requested() || halt_.stop_requested(); }

  // Runs fn(), times it as step `name` and returns what fn returns. An exception escaping fn is
  // recorded against the step and rethrown. Steps may nest; each is recorded on its own.
  template <class Fn>
  std::invoke_result_t<Fn&> step(std::string_view name, Fn&& fn) {
    using Result = std::invoke_result_t<Fn&>;
    const StepState state = begin_step(name);
    if constexpr (std::is_void_v<Result>) {
      try {
        fn();
      } catch (...) {
        end_step_with_exception(state, std::current_exception());
        throw;
      }
      end_step(state);
    } else {
      Result result = [&]() -> Result {
        try {
          return fn();
        } catch (...) {
          end_step_with_exception(state, std::current_exception());
          throw;
        }
      }();
      end_step(state);
      if constexpr (std::is_reference_v<Result>) {
        return std::forward<Result>(result);
      } else {
        return result;
      }
    }
  }

  // Custom metrics (gauntlet/metrics/custom_metric.hpp), recorded on this virtual user's own
  // shard: no lock, no allocation after a name's first use. A plan declares the names its
  // thresholds use (Plan::metrics).
  // Adds n to the counter `name` (k6's Counter).
  void count(std::string_view name, std::int64_t n = 1) noexcept { shard_.add_count(name, n); }
  // Sets the gauge `name`; the run keeps the last value set and the smallest and largest.
  void gauge(std::string_view name, double value) noexcept {
    shard_.set_gauge(name, value, clock_.now());
  }
  // Records a duration into the trend `name` (an HDR histogram; thresholds as "name: p(95)<2s").
  void trend(std::string_view name, std::chrono::nanoseconds value) noexcept {
    shard_.record_trend(name, value);
  }

  // Marks the current step (or, outside any step, the iteration) failed with `error`; the first
  // failure of a step or iteration decides its class. The message is kept as a sample.
  void fail(ErrorClass error, std::string_view message);
  // fail(kAssertion, message) when condition is false; returns condition.
  bool check(bool condition, std::string_view message);
  // The iteration's class so far: its first failure, nullopt while it succeeds.
  std::optional<ErrorClass> error() const noexcept { return iteration_error_; }

 private:
  struct StepState {
    std::string_view name;
    Clock::time_point started;
    bool outer_in_step = false;
    std::string_view outer_name;
    std::optional<ErrorClass> outer_error;
  };

  StepState begin_step(std::string_view name) noexcept;
  void end_step(const StepState& state) noexcept;
  void end_step_with_exception(const StepState& state, const std::exception_ptr& error);
  void restore(const StepState& state) noexcept;

  RecorderShard& shard_;
  Clock& clock_;
  const StopSource& stop_;
  const StopSource& halt_;
  IterationInfo info_;
  bool in_step_ = false;
  std::string_view step_name_;
  std::optional<ErrorClass> step_error_;
  std::optional<ErrorClass> iteration_error_;
};

// The class and message of an exception: StepFailure keeps its class, anything else is
// kException with what() ("unknown exception" when it is not a std::exception).
std::pair<ErrorClass, std::string> classify_exception(const std::exception_ptr& error);

}  // namespace gauntlet
