#pragma once
// The life of a service's background threads: N threads running the same loop, a stop flag,
// wake-ups (new work was enqueued) and the waits of the loop, all on one mutex and condition
// variable so that stop() interrupts every wait at once.
//
//   WorkerThreads threads_;
//   threads_.start(options_.workers, [this](int index) { run_worker(index); });
//   ... in run_worker: if (!threads_.idle_wait(poll_interval)) return;
//   ... in the destructor of the owner: threads_.stop();   // before the loops' state goes away
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace gauntlet::mocks {

class WorkerThreads {
 public:
  WorkerThreads() = default;
  ~WorkerThreads();  // stop()
  WorkerThreads(const WorkerThreads&) = delete;
  WorkerThreads& operator=(const WorkerThreads&) = delete;

  // Starts `count` threads, thread i running body(i). Does nothing once started or stopped.
  void start(int count, const std::function<void(int)>& body);
  // Sets the stop flag, ends every wait and joins the threads. Idempotent.
  void stop();
  // Ends the idle waits at once (new work is there). Every waiter is notified: the condition
  // variable is shared with sleep_for/sleep_until, and notify_one could pick one of those.
  void wake();

  bool stopping() const;
  // Waits up to `timeout` for stop() or a wake() made during the wait. False if stopping.
  bool idle_wait(std::chrono::nanoseconds timeout);
  // Waits up to `timeout` for stop() or a wake() since `seen` (a wake count, 0 before any),
  // then sets `seen` to the current count: wakes that came while the caller was busy are not
  // lost. A zero timeout only takes the count. False if stopping.
  bool wait_for_wake(std::chrono::nanoseconds timeout, std::uint64_t& seen);
  // Sleeps `d` or until `deadline` unless stop() comes first (wake() does not end them). False
  // if stopping.
  bool sleep_for(std::chrono::nanoseconds d);
  bool sleep_until(std::chrono::steady_clock::time_point deadline);

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::uint64_t wakeups_ = 0;
  std::vector<std::thread> threads_;
};

}  // namespace gauntlet::mocks
