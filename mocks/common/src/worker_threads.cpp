#include "gauntlet/mocks/worker_threads.hpp"

namespace gauntlet::mocks {

WorkerThreads::~WorkerThreads() { stop(); }

void WorkerThreads::start(int count, const std::function<void(int)>& body) {
  std::lock_guard lock(mutex_);
  if (!threads_.empty() || stopping_) return;
  for (int i = 0; i < count; ++i) threads_.emplace_back([body, i] { body(i); });
}

void WorkerThreads::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void WorkerThreads::wake() {
  {
    std::lock_guard lock(mutex_);
    ++wakeups_;
  }
  cv_.notify_all();
}

bool WorkerThreads::stopping() const {
  std::lock_guard lock(mutex_);
  return stopping_;
}

bool WorkerThreads::idle_wait(std::chrono::nanoseconds timeout) {
  std::unique_lock lock(mutex_);
  const std::uint64_t seen = wakeups_;
  cv_.wait_for(lock, timeout, [&] { return stopping_ || wakeups_ != seen; });
  return !stopping_;
}

bool WorkerThreads::wait_for_wake(std::chrono::nanoseconds timeout, std::uint64_t& seen) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, timeout, [&] { return stopping_ || wakeups_ != seen; });
  seen = wakeups_;
  return !stopping_;
}

bool WorkerThreads::sleep_for(std::chrono::nanoseconds d) {
  std::unique_lock lock(mutex_);
  return !cv_.wait_for(lock, d, [&] { return stopping_; });
}

bool WorkerThreads::sleep_until(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return !cv_.wait_until(lock, deadline, [&] { return stopping_; });
}

}  // namespace gauntlet::mocks
