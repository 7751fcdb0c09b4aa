#pragma once
// Internal: one thread of the engine. An epoll loop that drives its own libcurl multi handle
// through the socket API, owns its connections (one easy handle each, set up once and reused),
// its recorder shard and its figures. Nothing in it is shared with another loop except the
// read-only options, request source and rate curve, and the relaxed atomics the progress line
// reads.
#include <sys/epoll.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gauntlet/http/curl_handles.hpp"
#include "gauntlet/http/engine_options.hpp"
#include "gauntlet/http/engine_stats.hpp"
#include "gauntlet/http/request_source.hpp"
#include "gauntlet/load/rate_curve.hpp"
#include "gauntlet/metrics/recorder.hpp"

namespace gauntlet {

// What one loop is asked to do.
struct LoopPlan {
  int index = 0;                   // this loop's thread index, 0-based
  int loops = 1;                   // loop threads in the engine
  int connections = 1;             // this loop's share
  std::int64_t request_limit = 0;  // closed: this loop's share; open: the engine's total; 0 = none
  std::chrono::steady_clock::time_point start{};
  std::chrono::steady_clock::time_point send_deadline{};  // time_point::max() when none
  const RateCurve* curve =
      nullptr;  // open model when set; this loop takes arrivals index + k*loops
  // Open model: the end of the schedule's window; sends after it do not count as achieved rate.
  std::chrono::steady_clock::time_point window_end = std::chrono::steady_clock::time_point::max();
};

// Readable while the loop runs (relaxed: a progress line may be a little stale).
struct LoopCounters {
  std::atomic<std::int64_t> sent{0};
  std::atomic<std::int64_t> completed{0};
  std::atomic<std::int64_t> failed{0};
  std::atomic<std::int64_t> dropped{0};
  std::atomic<std::int64_t> in_flight{0};
};

// An owned file descriptor (epoll, eventfd): closed on destruction.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) noexcept : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

// A fixed-capacity FIFO of intended start times (open model): requests that found no free
// connection. Allocated once; never grows.
class WaitQueue {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  explicit WaitQueue(std::size_t capacity) : items_(capacity) {}
  bool empty() const noexcept { return size_ == 0; }
  std::size_t size() const noexcept { return size_; }
  bool push(time_point t) noexcept;  // false when full
  time_point front() const noexcept { return items_[head_]; }
  void pop() noexcept;

 private:
  std::vector<time_point> items_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

// A header list built from our own storage: curl_slist is a public struct that libcurl only reads,
// so the nodes point into strings whose capacity is reused from one request to the next.
class HeaderNodes {
 public:
  // Rebuilds the list for `headers` (plus "Expect:"); allocates only when the list grows.
  curl_slist* build(const std::vector<Header>& headers);

 private:
  std::vector<std::string> lines_;
  std::vector<curl_slist> nodes_;
};

// A loop's connections are split into groups, each with its own multi handle and so its own
// connection cache: libcurl looks for a free cached connection by walking its cache, and one
// cache of 10,000 connections makes every request pay for a walk of thousands.
inline constexpr int kConnectionsPerMulti = 32;

class EngineLoop {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  // Sets up epoll, the wake-up eventfd, the multi handle and every connection's easy handle.
  // Throws std::system_error / std::runtime_error when one cannot be made.
  EngineLoop(const EngineOptions& options, const RequestSource& source, LoopPlan plan);
  ~EngineLoop();
  EngineLoop(const EngineLoop&) = delete;
  EngineLoop& operator=(const EngineLoop&) = delete;

  // Runs the plan on the calling thread and returns this loop's figures. send_window in them is
  // the time from the start until this loop stopped sending.
  EngineStats run(RecorderShard& shard, const std::atomic<bool>& stop);
  // Wakes the loop from its wait (after a stop request). Thread-safe, async-signal-safe.
  void wake() noexcept;
  const LoopCounters& counters() const noexcept { return counters_; }

 private:
  struct Slot;
  struct Group;
  struct Done {
    CURL* easy;
    CURLcode code;
  };
  static constexpr std::size_t kMaxSamplesPerClass = 16;
  static constexpr std::size_t kWaitCapacity = std::size_t{1} << 17;

  static int on_socket(CURL* easy, curl_socket_t s, int what, void* userp, void* socketp);
  static int on_timer(CURLM* multi, long timeout_ms, void* userp);

  void setup_slot(Slot& slot);
  void apply_request(Slot& slot);
  bool may_send_more() const noexcept;
  void start(Slot& slot, time_point intended, time_point now);
  void release_arrivals(time_point now);
  void expire_waiting(time_point now);
  void advance_arrival();
  void complete_transfers();
  void drain_group(Group& group);
  void fire_timers(time_point now);
  void mark_active(Group& group);
  void complete(Slot& slot, CURLcode code, time_point now);
  void reuse_or_free(Slot& slot, time_point now);
  void note_error(ErrorClass error, CURLcode code, long status, const char* detail);
  void wait_and_dispatch(time_point now);
  time_point next_wakeup() const noexcept;
  void end_sending(time_point at);
  void abandon_all();
  void drop(time_point at);
  void publish() noexcept;
  bool has_budget() const noexcept;
  void compute_next_arrival();
  bool step_sending(time_point now, const std::atomic<bool>& stop);

  const EngineOptions& options_;
  const RequestSource& source_;
  LoopPlan plan_;

  UniqueFd epoll_fd_;
  UniqueFd wake_fd_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<Slot*> free_;
  // Declared after slots_: destroyed first, while the easy handles still exist.
  std::vector<std::unique_ptr<Group>> groups_;
  std::vector<Group*> active_groups_;  // had socket activity or a timer since the last drain
  std::vector<Done> done_;             // completions read from a group, before they are handled
  HeaderNodes fixed_headers_;
  std::vector<epoll_event> events_;

  RecorderShard* shard_ = nullptr;
  EngineStats stats_;
  LoopCounters counters_;
  std::array<std::vector<std::string>, kErrorClassCount> seen_errors_{};

  bool sending_ = true;
  time_point drain_deadline_ = time_point::max();
  std::uint64_t sequence_ = 0;
  std::int64_t in_flight_ = 0;
  std::int64_t failed_ = 0;
  bool epoll_pwait2_missing_ = false;

  // Open model.
  std::optional<WaitQueue> waiting_;
  std::int64_t arrival_index_ = 0;
  std::optional<time_point> next_arrival_;
};

}  // namespace gauntlet
