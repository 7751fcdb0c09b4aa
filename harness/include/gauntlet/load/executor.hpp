#pragma once
// The shared base of the executors (k6 lib/executor: one file per kind, a shared base): it owns
// the virtual-user threads, runs and records one iteration, samples the active user count about
// once a second, and winds a run down (graceful stop, then the halt, then joining every thread).
// ClosedExecutor and OpenExecutor decide when iterations start.
//
// Threads: the thread that calls run() supervises (samples, watches the stop, ends the load
// phase); each virtual user is a thread of its own that takes one RecorderShard. All waiting is
// on the injected Clock, in slices of at most kStopPollInterval so that a stop is seen promptly;
// with a FakeClock a whole run happens in virtual time.
//
// Stopping: a StopSource triggered from outside ends the load phase at once (no new iteration
// starts; ctx.stop_requested() turns true so long scenarios can return early). In-flight
// iterations then get plan.graceful_stop to finish; past that deadline the run is marked
// incomplete and says how many were still running. The executor still joins every thread, so a
// scenario that never returns hangs the run: scenarios poll ctx.stop_requested().
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "gauntlet/load/clock.hpp"
#include "gauntlet/load/execution_result.hpp"
#include "gauntlet/load/iteration_context.hpp"
#include "gauntlet/load/progress.hpp"
#include "gauntlet/load/stop_source.hpp"
#include "gauntlet/load/valid_plan.hpp"
#include "gauntlet/metrics/recorder.hpp"

namespace gauntlet {

// Longest a waiting thread goes without looking at the stop flags.
inline constexpr std::chrono::nanoseconds kStopPollInterval = std::chrono::milliseconds(50);
// Interval of the active-user samples sent to the Recorder.
inline constexpr std::chrono::nanoseconds kSampleInterval = std::chrono::seconds(1);
// How long before a second's end its sample of the active users is taken.
inline constexpr std::chrono::nanoseconds kSampleLead = std::chrono::milliseconds(10);

// What a run produced: the executor's own account, and every iteration's figures merged.
struct RunOutput {
  ExecutionResult execution;
  RunMetrics metrics;
};

class Executor {
 public:
  // Throws ConfigError for an empty scenario. The references must outlive the executor.
  Executor(const ValidPlan& plan, Scenario scenario, Clock& clock, StopSource& stop);
  virtual ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Runs the plan until it ends or is stopped and returns once every thread has been joined,
  // with the metrics of a Recorder the run owns: started at the run's first instant, finished
  // after the last thread has joined. Call once (a second call throws std::logic_error).
  // Exceptions of the scenario are counted, never thrown; an internal failure (a thread that
  // cannot be started) is rethrown after every thread has been joined.
  RunOutput run();
  // Calls `fn` about once a second from the supervising thread (with the users' sample), until
  // the run ends; never from a virtual user's thread. Set before run(). A callback that throws
  // is not called again.
  void on_progress(ProgressFn fn) { progress_ = std::move(fn); }

 protected:
  // The kind's run: start the users, supervise the load phase, wind down, join_all(), result.
  virtual ExecutionResult execute() = 0;

  // Runs the scenario once on the calling virtual-user thread and records the iteration, its
  // latency measured from latency_from (open model: the intended start).
  void run_iteration(RecorderShard& shard, const IterationInfo& info,
                     Clock::time_point latency_from);
  // Sleeps until t, in slices, unless abort() turns true first; returns whether t was reached
  // without abort() being true (abort() is checked even when t has already come).
  bool pause_until(Clock::time_point t, const std::function<bool()>& abort);
  // Starts a virtual-user thread running body(shard) with its own RecorderShard.
  void spawn(std::function<void(RecorderShard&)> body);
  // Waits (sampling) until every virtual-user thread has ended or the deadline passes; past the
  // deadline raises halt_ and returns the iterations still in flight (else 0).
  std::int64_t wind_down(Clock::time_point deadline);
  // Stops counting the calling (supervising) thread as a clock participant and joins every
  // thread; rethrows the first internal failure of a thread. Idempotent.
  void join_all();
  // Sends an active-user sample if one is due.
  void sample_if_due(Clock::time_point now);
  // The supervisor's sleep: until t, but no later than the next sample or poll.
  void supervisor_sleep(Clock::time_point now, Clock::time_point t);
  // Marks a virtual user active (+1) or not (-1), keeping the peak.
  void change_active(std::int64_t delta) noexcept;
  // Fills the fields every executor shares; `reasons` are joined into stop_reason.
  ExecutionResult make_result(std::vector<std::string> reasons) const;
  std::int64_t live_threads() const noexcept { return live_threads_.load(); }
  // True when a waiting virtual user should give up: stopped from outside or halted.
  bool stopping() const noexcept { return stop_.stop_requested() || halt_.stop_requested(); }

  const ValidPlan plan_;
  const Scenario scenario_;
  std::optional<Recorder> recorder_;  // made when run() starts
  Clock& clock_;
  StopSource& stop_;
  StopSource halt_;  // raised when the graceful-stop deadline passes
  Clock::time_point start_{};
  std::chrono::system_clock::time_point start_wall_{};
  Clock::time_point load_ended_{};
  std::int64_t abandoned_ = 0;

  std::atomic<std::int64_t> started_{0};
  std::atomic<std::int64_t> completed_{0};
  std::atomic<std::int64_t> failed_{0};
  std::atomic<std::int64_t> in_flight_{0};  // iterations running now
  std::atomic<std::int64_t> active_vus_{0};
  std::atomic<std::int64_t> interval_peak_vus_{0};  // the most active at once since the last sample
  // The most any sample saw (written by the sampling thread only).
  std::atomic<std::int64_t> sampled_peak_vus_{0};

 private:
  void join_threads() noexcept;

  std::vector<std::thread> threads_;
  std::atomic<std::int64_t> live_threads_{0};
  bool participating_ = false;  // the supervisor counts as a clock participant
  Clock::time_point next_sample_{};
  ProgressFn progress_;
  std::mutex error_mutex_;
  std::exception_ptr thread_error_;
};

}  // namespace gauntlet
