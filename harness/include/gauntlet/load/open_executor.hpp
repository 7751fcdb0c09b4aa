#pragma once
// Runs an OpenModel without coordinated omission: iterations start on the ArrivalSchedule's
// intended times whatever the system under test does, and latency is measured from the intended
// start, so time spent waiting for a free virtual user counts.
//
// A pool of virtual-user threads (pre_allocated_vus started up front) pulls arrivals in order: a
// free user takes the next arrival, sleeps until its intended time and runs it. The supervising
// thread watches the arrivals whose time has come with no user to take them: it starts new users
// (up to max_vus), and drops an arrival that has waited longer than max_wait (record_dropped, at
// the moment it gave up). The schedule is never delayed because users are busy. Every arrival
// whose time came is accounted for: started, dropped, or cancelled by a stop.
#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

#include "gauntlet/load/arrival_schedule.hpp"
#include "gauntlet/load/executor.hpp"

namespace gauntlet {

class OpenExecutor final : public Executor {
 public:
  // Throws ConfigError unless the plan holds an OpenModel.
  OpenExecutor(const ValidPlan& plan, Scenario scenario, Clock& clock, StopSource& stop);

 protected:
  ExecutionResult execute() override;

 private:
  struct Arrival {
    std::int64_t index = 0;
    std::chrono::nanoseconds offset{};  // intended start, from the start of the run
  };

  // The supervisor during the load phase; true when it ran to the end, false when stopped.
  bool supervise_load_phase(RecorderShard& shard);
  void vu_loop(RecorderShard& shard, std::int64_t vu);
  // The next arrival for a free user (dropping the ones past their wait bound); nullopt when
  // none is left or the run is closing. first: the user's first claim since it was started.
  std::optional<Arrival> claim(RecorderShard& shard, bool first);
  // Supervisor: drops, grows the pool; returns when to look again, nullopt when every arrival
  // has been taken or dropped.
  std::optional<Clock::time_point> supervise(RecorderShard& shard, Clock::time_point now);
  // Ensures the first n pending arrivals are known (fewer at the end of the schedule).
  void peek_locked(std::size_t n);
  void drop_overdue_locked(RecorderShard& shard, Clock::time_point now);
  // Counts the arrivals whose time came but that no user took as cancelled.
  void cancel_due_locked(Clock::time_point now);
  void start_vu();

  const OpenModel& model_;
  const std::chrono::nanoseconds max_wait_;
  const std::chrono::nanoseconds cut_;  // min(profile duration, max_duration)

  std::mutex mutex_;  // guards everything below up to vus_
  ArrivalSchedule schedule_;
  std::deque<Arrival> pending_;    // peeked, not yet taken, in order
  bool exhausted_ = false;         // the schedule has nothing after pending_
  bool truncated_ = false;         // max_duration cut arrivals off the profile
  bool closing_ = false;           // stopped: no more claims
  std::int64_t vus_ = 0;           // users started
  std::int64_t starting_vus_ = 0;  // started, before their first claim

  std::atomic<std::int64_t> arrivals_{0};
  std::atomic<std::int64_t> dropped_{0};
  std::atomic<std::int64_t> cancelled_{0};
};

}  // namespace gauntlet
