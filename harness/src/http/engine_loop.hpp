#pragma once
// Internal: one thread of the engine. An epoll loop that decides when each request starts (closed
// or open model), hands it to its transport (engine_transport.hpp: libcurl's multi interface or
// the native HTTP/1.1 one), and records what the transport reports. It owns its connections'
// state, its recorder shard and its figures. Nothing in it is shared with another loop except
// the read-only options, request source and rate curve, and the relaxed atomics the progress
// line reads.
#include <sys/epoll.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine_transport.hpp"
#include "gauntlet/http/engine_options.hpp"
#include "gauntlet/http/engine_stats.hpp"
#include "gauntlet/http/request_source.hpp"
#include "gauntlet/load/rate_curve.hpp"
#include "gauntlet/metrics/recorder.hpp"
#include "gauntlet/unique_fd.hpp"

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

class EngineLoop final : private TransferSink {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  // Sets up epoll, the wake-up eventfd and the transport options.engine resolves to for the
  // source's URL. Throws std::system_error / std::runtime_error when one cannot be made.
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
  // What the loop knows of one connection; the transport keeps the rest.
  struct Slot {
    Request own;  // generator mode: this connection's request, reused
    bool busy = false;
    time_point intended{};
    time_point sent{};
  };
  static constexpr std::size_t kMaxSamplesPerClass = 16;
  static constexpr std::size_t kWaitCapacity = std::size_t{1} << 17;

  void finished(int slot, const TransferResult& result) override;

  bool may_send_more() const noexcept;
  void start(int slot, time_point intended, time_point now);
  void release_arrivals(time_point now);
  void expire_waiting(time_point now);
  void advance_arrival();
  void reuse_or_free(int slot, time_point now);
  void note_error(ErrorClass error, const TransferResult& result);
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
  std::vector<Slot> slots_;
  std::vector<int> free_;
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

  // Last, so destroyed first: while it closes its connections (libcurl calls back into it then),
  // the epoll set and everything it reports into through the sink are still whole.
  std::unique_ptr<Transport> transport_;
};

}  // namespace gauntlet
