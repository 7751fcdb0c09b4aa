#pragma once
// A run's fault timeline: timed actions ("at 20s: kill video-agent", "from 10s to 25s: stop
// titan-core") executed on the run's clock, each with its outcome recorded for the result. The
// actions are callbacks the test supplies, so the harness stays ignorant of any platform.
//
// RAII: the timeline's second 0 is its construction (made just before the load starts); finish()
// (or the destructor) ends it, running the end action of any "from .. to" action still in force,
// so a fault never outlives its run.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "gauntlet/metrics/timeline_entry.hpp"

namespace gauntlet {

struct TimedAction {
  std::string name;                               // "kill video-agent"
  std::chrono::nanoseconds at{};                  // since the run's start
  std::optional<std::chrono::nanoseconds> until;  // a "from .. to" action: `end` runs then
  // Each returns a short outcome ("pid 4242 killed") or throws; the exception's text is the
  // outcome ("failed: ..."), and the run goes on.
  std::function<std::string()> start;
  std::function<std::string()> end;  // required with `until`, ignored without
};

// Every problem of the actions for a run of `run_length` (a time outside 0..run_length, an
// `until` not after `at`, a missing callback), each naming the field, the value and the limit:
//   "timeline[1] (kill video-agent).at is 40s, after the run's end at 30s"
std::vector<std::string> validate_timeline(std::span<const TimedAction> actions,
                                           std::chrono::nanoseconds run_length);

class FaultTimeline {
 public:
  // Starts the clock and the thread that runs the actions at their times. Does not validate:
  // call validate_timeline before any load.
  explicit FaultTimeline(std::vector<TimedAction> actions);
  ~FaultTimeline();
  FaultTimeline(const FaultTimeline&) = delete;
  FaultTimeline& operator=(const FaultTimeline&) = delete;

  // Stops the timeline: end actions still due run now; actions never reached are reported as
  // "not run". Returns one entry per action, in the order given. Later calls return the same.
  std::vector<TimelineEntry> finish();

 private:
  struct Event {
    std::chrono::nanoseconds at;
    std::size_t action;
    bool is_end;
  };
  void loop();
  void run_event(const Event& e);
  double now_s() const;

  std::vector<TimedAction> actions_;
  std::vector<TimelineEntry> entries_;
  std::vector<bool> started_;
  std::vector<bool> ended_;
  std::vector<Event> events_;  // sorted by time
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  bool finished_ = false;
  std::thread thread_;
};

}  // namespace gauntlet
